// A character counter under every field with data-max-length: "120 of 3000 characters",
// marked when over the limit, so the limit is known before saving. The server checks the same
// limit; without this script nothing changes.
(function () {
  "use strict";
  var form = document.querySelector("form[data-counter-text]");
  if (!form) {
    return;
  }
  var template = form.getAttribute("data-counter-text");
  var over = form.getAttribute("data-counter-over");
  form.querySelectorAll("[data-max-length]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-max-length"), 10);
    var counter = document.createElement("p");
    counter.className = "hint counter";
    counter.id = field.id + "-counter";
    field.insertAdjacentElement("afterend", counter);
    var describedby = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (describedby ? describedby + " " : "") + counter.id);
    function update() {
      var count = field.value.length;
      var text = template.replace("{count}", count).replace("{max}", max);
      counter.textContent = count > max ? text + " " + over : text;
      counter.classList.toggle("is-over", count > max);
    }
    field.addEventListener("input", update);
    update();
  });
})();
