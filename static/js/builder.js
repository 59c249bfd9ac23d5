/* Minyi administration: progressive enhancement of the questionnaire builder and of the wave
   page's tables. Every form and link works without this file (each change is a form post and a
   page load); with it, the builder's forms open in place and the same posts are sent with
   fetch and the header X-Minyi-Fragment, whose answer (an HTML fragment rendered by the server)
   replaces the part of the page it concerns. No inline script, no other origin (CSP). */
(function () {
  "use strict";
  var FRAGMENT = { "X-Minyi-Fragment": "1" };

  /* --- the question form: hide the fields the chosen question type does not use ----------- */
  var langSuffix = /_(?:[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?)$/;
  var texts = ["label", "hint", "constraint_message"];

  function baseName(name) {
    if (name === "preset") { return "list"; }
    for (var i = 0; i < texts.length; i++) {
      if (name.indexOf(texts[i] + "_") === 0 && langSuffix.test(name)) { return texts[i]; }
    }
    return name;
  }

  function fitQuestionForm(form) {
    var fieldsByType;
    try { fieldsByType = JSON.parse(form.getAttribute("data-fields")); } catch (e) { return; }
    var typeSelect = form.querySelector("select[name=type]");
    var allowed = typeSelect && fieldsByType[typeSelect.value];
    if (!allowed) { return; }
    var controls = form.querySelectorAll("input[name], select[name], textarea[name]");
    for (var i = 0; i < controls.length; i++) {
      var name = controls[i].getAttribute("name");
      if (name === "csrf_token" || name === "type" || controls[i].type === "hidden") { continue; }
      var holder = controls[i].closest(".field") || controls[i].parentNode;
      holder.hidden = allowed.indexOf(baseName(name)) === -1;
    }
  }

  function fitQuestionForms(root) {
    root.querySelectorAll("form.question-form[data-fields]").forEach(fitQuestionForm);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.question-form[data-fields]");
    if (form && event.target.name === "type") { fitQuestionForm(form); }
  });

  /* --- the builder ------------------------------------------------------------------------- */
  var main = document.getElementById("builder-main");
  var status = document.getElementById("builder-status");

  function announce(text) {
    if (!status || !text) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function closeEditors() {
    document.querySelectorAll(".inline-editor").forEach(function (editor) {
      if (editor.opener) { editor.opener.hidden = false; }
      editor.remove();
    });
  }

  function focusFirst(root) {
    var summary = root.querySelector(".error-summary");
    var target = summary || root.querySelector("input:not([type=hidden]), select, textarea");
    if (target) {
      if (summary) { summary.setAttribute("tabindex", "-1"); }
      target.focus();
    }
  }

  function swapMain(html, focusPath, focusLabel) {
    closeEditors();
    main.innerHTML = html;
    enhance(main);
    var notice = main.querySelector(".builder-notice");
    if (notice) { announce(notice.textContent); }
    if (focusPath !== null && focusPath !== undefined) {
      var node = document.getElementById("node-" + focusPath);
      var button = null;
      if (node && focusLabel) {
        node.querySelector(".node-actions").querySelectorAll("button, a").forEach(function (el) {
          if (!button && el.firstChild && el.firstChild.textContent.trim() === focusLabel) { button = el; }
        });
      }
      if (button) { button.focus(); } else if (node) { node.setAttribute("tabindex", "-1"); node.focus(); }
    }
  }

  function send(url, options) {
    options.headers = Object.assign({}, FRAGMENT, options.headers || {});
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) { return { status: response.status, text: text }; });
    });
  }

  function openEditor(link) {
    closeEditors();
    send(link.href, { method: "GET" }).then(function (answer) {
      if (answer.status !== 200) { window.location.href = link.href; return; }
      var editor = document.createElement("div");
      editor.className = "inline-editor";
      editor.innerHTML = answer.text;
      editor.opener = link;
      var node = link.closest("li.node");
      var add = link.closest(".node-add, .actions");
      if (add) {
        add.parentNode.insertBefore(editor, add);
      } else if (node && link.closest(".node-actions")) {
        node.querySelector(".node-head").insertAdjacentElement("afterend", editor);
      } else {
        link.parentNode.insertAdjacentElement("afterend", editor);
      }
      fitQuestionForms(editor);
      focusFirst(editor);
    }).catch(function () { window.location.href = link.href; });
  }

  function pathAfterMove(form) {
    var node = form.closest("li.node");
    if (!node) { return null; }
    var parts = node.getAttribute("data-path").split(".");
    var direction = form.querySelector("input[name=direction]");
    if (!direction) { return null; }
    var index = parseInt(parts[parts.length - 1], 10) + (direction.value === "up" ? -1 : 1);
    var count = node.parentNode.children.length;
    parts[parts.length - 1] = String(Math.max(0, Math.min(index, count - 1)));
    return parts.join(".");
  }

  function submitInPlace(form) {
    var editor = form.closest(".inline-editor");
    var label = form.querySelector("button[type=submit]");
    var focusLabel = label ? label.childNodes[0].textContent.trim() : null;
    var focusPath = form.action.match(/\/move$/) ? pathAfterMove(form) : null;
    send(form.action, { method: "POST", body: new FormData(form) }).then(function (answer) {
      if (answer.status === 200) {
        swapMain(answer.text, focusPath, focusLabel);
      } else if (answer.status === 422 && editor) {
        editor.innerHTML = answer.text;
        fitQuestionForms(editor);
        focusFirst(editor);
      } else {
        form.setAttribute("data-full-post", "");
        form.submit();
      }
    }).catch(function () {
      form.setAttribute("data-full-post", "");
      form.submit();
    });
  }

  /* drag and drop among siblings; the Move up / Move down buttons stay for the keyboard */
  var dragged = null;

  function moveTo(node, index) {
    var form = node.querySelector(".node-actions form[action$='/move']");
    if (!form) { return; }
    var body = new FormData();
    body.append("csrf_token", csrfToken());
    body.append("to", String(index));
    var parts = node.getAttribute("data-path").split(".");
    parts[parts.length - 1] = String(index);
    send(form.action, { method: "POST", body: body }).then(function (answer) {
      if (answer.status === 200) { swapMain(answer.text, parts.join("."), null); }
      else { window.location.reload(); }
    });
  }

  function enhanceDrag(root) {
    root.querySelectorAll("li.node").forEach(function (node) {
      var head = node.querySelector(".node-head");
      if (!head || head.querySelector(".drag-handle")) { return; }
      node.setAttribute("draggable", "true");
      var handle = document.createElement("span");
      handle.className = "drag-handle";
      handle.setAttribute("aria-hidden", "true");
      handle.textContent = "⠿";
      head.insertBefore(handle, head.firstChild);
    });
    var hint = root.querySelector(".drag-hint");
    if (hint) { hint.hidden = false; }
  }

  function siblingsOf(node) {
    return Array.prototype.filter.call(node.parentNode.children, function (el) {
      return el.matches("li.node");
    });
  }

  function enhance(root) {
    fitQuestionForms(root);
    enhanceDrag(root);
  }

  if (main) {
    enhance(main);

    document.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-inline-form]");
      if (link && main.contains(link)) {
        event.preventDefault();
        openEditor(link);
        return;
      }
      var cancel = event.target.closest(".inline-editor a[data-cancel]");
      if (cancel) {
        event.preventDefault();
        var editor = cancel.closest(".inline-editor");
        var opener = editor.opener;
        editor.remove();
        if (opener) { opener.focus(); }
      }
    });

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!main.contains(form) || form.hasAttribute("data-full-post") || form.method.toLowerCase() !== "post") {
        return;
      }
      event.preventDefault();
      submitInPlace(form);
    });

    main.addEventListener("dragstart", function (event) {
      var node = event.target.closest && event.target.closest("li.node");
      if (!node) { return; }
      dragged = node;
      node.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", node.getAttribute("data-path"));
      event.stopPropagation();
    });
    main.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); }
      main.querySelectorAll(".drop-before, .drop-after").forEach(function (el) {
        el.classList.remove("drop-before", "drop-after");
      });
      dragged = null;
    });
    main.addEventListener("dragover", function (event) {
      var over = event.target.closest && event.target.closest("li.node");
      if (!dragged || !over || over === dragged) { return; }
      while (over && over.parentNode !== dragged.parentNode) {
        over = over.parentNode.closest("li.node");
      }
      if (!over || over === dragged) { return; }
      event.preventDefault();
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      main.querySelectorAll(".drop-before, .drop-after").forEach(function (el) {
        el.classList.remove("drop-before", "drop-after");
      });
      over.classList.add(after ? "drop-after" : "drop-before");
    });
    main.addEventListener("drop", function (event) {
      if (!dragged) { return; }
      var over = main.querySelector(".drop-before, .drop-after");
      if (!over) { return; }
      event.preventDefault();
      var siblings = siblingsOf(dragged);
      var from = siblings.indexOf(dragged);
      var to = siblings.indexOf(over) + (over.classList.contains("drop-after") ? 1 : 0);
      if (to > from) { to -= 1; }
      var node = dragged;
      dragged = null;
      if (to !== from) { moveTo(node, to); }
    });
  } else {
    fitQuestionForms(document);
  }

  /* --- the wave page: totals of the quota and margin tables follow what is typed ----------- */
  function number(text) {
    text = (text || "").trim();
    if (!text) { return null; }
    var percent = /%$/.test(text);
    var value = Number(text.replace(/%$/, "").replace(/,/g, ""));
    if (!isFinite(value)) { return null; }
    return percent ? value / 100 : value;
  }

  function quotaTotals(table) {
    var rows = table.querySelectorAll("tbody tr");
    var columns = [];
    var grand = 0;
    rows.forEach(function (row) {
      var sum = 0;
      row.querySelectorAll("input").forEach(function (input, i) {
        var value = number(input.value);
        value = value !== null && value >= 0 && Math.floor(value) === value ? value : 0;
        sum += value;
        columns[i] = (columns[i] || 0) + value;
      });
      var cell = row.querySelector("[data-total=row]");
      if (cell) { cell.textContent = String(sum); }
      grand += sum;
    });
    table.querySelectorAll("[data-total=column]").forEach(function (cell, i) {
      cell.textContent = String(columns[i] || 0);
    });
    var total = table.querySelector("[data-total=grand]");
    if (total) { total.innerHTML = ""; total.appendChild(document.createElement("strong")).textContent = String(grand); }
  }

  function shareTotal(table) {
    var sum = 0;
    var given = false;
    table.querySelectorAll("tbody input").forEach(function (input) {
      var value = number(input.value);
      if (value !== null) { sum += value; given = true; }
    });
    var cell = table.querySelector("[data-total=shares]");
    if (!cell) { return; }
    var errors = cell.querySelectorAll(".field-error");
    cell.textContent = given ? String(Math.round(sum * 1e6) / 1e6) : "—";
    if (given && Math.abs(sum - 1) <= 1e-6) {
      var ok = document.createElement("span");
      ok.className = "ok";
      ok.textContent = " ✓";
      cell.appendChild(ok);
    }
    errors.forEach(function (el) { cell.appendChild(el); });
  }

  document.querySelectorAll("table[data-totals]").forEach(function (table) {
    table.addEventListener("input", function () { quotaTotals(table); });
  });
  document.querySelectorAll("table[data-shares]").forEach(function (table) {
    table.addEventListener("input", function () { shareTotal(table); });
  });
}());
