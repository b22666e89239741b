// Autosave for assignment drafts (progressive enhancement; the form works without it).
// Saves the whole form with fetch a few seconds after the last change. It never changes or
// clears what is typed: on a failed save it says so and tries again on the next change or
// when the connection comes back; "Save draft" keeps working as a normal form post.
(function () {
  "use strict";
  var form = document.getElementById("assignment-form");
  if (!form || form.dataset.autosave !== "on" || !window.fetch || !window.FormData) return;
  var status = form.querySelector(".autosave-status");
  var timer = null;
  var dirty = false;
  var busy = false;

  function say(text) { if (status) status.textContent = text; }

  function save() {
    if (busy || !dirty) return;
    busy = true;
    dirty = false;
    var data = new FormData(form);
    data.set("action", "save");
    fetch(form.action || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Autosave": "1", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      say(result.body.message || "");
      if (!result.ok) dirty = true;
    }).catch(function () {
      dirty = true;
      say(form.dataset.offlineMessage || "Not saved: no connection. Your text stays here; we try again.");
    }).then(function () { busy = false; });
  }

  function changed() {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", save);
  // A real submit (Save draft / Hand in) replaces any pending autosave.
  form.addEventListener("submit", function () { clearTimeout(timer); dirty = false; });
})();
