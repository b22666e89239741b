"""OpenID Connect sign-in per organisation (Authorization Code with PKCE, Authlib)."""
