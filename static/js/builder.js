// Builder enhancement (optional: every field works without JavaScript).
// On the question form, hide the fields that the chosen question type does not use.
(function () {
  "use strict";
  var form = document.querySelector("form.question-form[data-fields]");
  if (!form) { return; }
  var fieldsByType;
  try { fieldsByType = JSON.parse(form.getAttribute("data-fields")); } catch (e) { return; }
  var typeSelect = form.querySelector("select[name=type]");
  var langSuffix = /_(?:[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?)$/;
  var texts = ["label", "hint", "constraint_message"];

  function baseName(name) {
    if (name === "preset") { return "list"; }
    for (var i = 0; i < texts.length; i++) {
      if (name.indexOf(texts[i] + "_") === 0 && langSuffix.test(name)) { return texts[i]; }
    }
    return name;
  }

  function update() {
    var allowed = fieldsByType[typeSelect.value];
    if (!allowed) { return; }
    var controls = form.querySelectorAll("input[name], select[name], textarea[name]");
    for (var i = 0; i < controls.length; i++) {
      var name = controls[i].getAttribute("name");
      if (name === "csrf_token" || name === "type") { continue; }
      var holder = controls[i].closest(".field") || controls[i].parentNode;
      holder.hidden = allowed.indexOf(baseName(name)) === -1;
    }
  }

  typeSelect.addEventListener("change", update);
  update();
}());
