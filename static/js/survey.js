/* Minyi survey pages: live skip logic, the error summary's focus, one submission per click.

   The server applies the same rules between pages and on submit, so everything works without
   this file. A question asked only under conditions carries them in data-when: the JSON form of
   the trees the server parsed (survey/questionnaire/expressions.py, shipped by
   app/collect/_fields.py). They are evaluated here exactly as survey/questionnaire/expr_eval.py
   evaluates them; there is no parser here and nothing is eval-ed. node loads this file for
   tests/collect/test_skip_logic_js.py (module.exports). */
(function () {
  "use strict";

  function isNumber(v) { return typeof v === "number"; }
  function isList(v) { return Array.isArray(v); }
  /* Only true is true: unanswered, numbers and text are not conditions. */
  function truthy(v) { return v === true; }

  /* Python's ==: True == 1, lists element by element. */
  function pyEqual(a, b) {
    var numeric = function (x) { return isNumber(x) || typeof x === "boolean"; };
    if (numeric(a) && numeric(b)) { return Number(a) === Number(b); }
    if (isList(a) && isList(b)) {
      return a.length === b.length && a.every(function (x, i) { return pyEqual(x, b[i]); });
    }
    return a === b;
  }

  /* "=": an unanswered value equals only '' and another unanswered value. */
  function equal(l, r) {
    if (l === null || r === null) {
      var other = l === null ? r : l;
      return other === null || other === "";
    }
    if (isNumber(l) && isNumber(r)) { return l === r; }
    if (isList(l) || isList(r)) { return false; }
    return typeof l === typeof r && l === r;
  }

  /* Text compares by code point, as in Python. */
  function compare(a, b) {
    if (isNumber(a)) { return a < b ? -1 : (a > b ? 1 : 0); }
    var x = Array.from(a), y = Array.from(b), i, d;
    for (i = 0; i < Math.min(x.length, y.length); i += 1) {
      d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d !== 0) { return d; }
    }
    return x.length - y.length;
  }

  function order(op, l, r) {
    if (!((isNumber(l) && isNumber(r)) || (typeof l === "string" && typeof r === "string"))) {
      return false;
    }
    var c = compare(l, r);
    return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
  }

  function arith(op, a, b) {
    if (!isNumber(a) || !isNumber(b)) { return null; }
    var v;
    if (op === "+") { v = a + b; }
    else if (op === "-") { v = a - b; }
    else if (op === "*") { v = a * b; }
    else if (b === 0) { return null; }  /* div, mod: Python raises, the answer is unknown */
    else if (op === "div") { v = a / b; }
    else { v = a % b; }  /* math.fmod: the sign of the dividend, as JavaScript's % */
    return isFinite(v) ? v : null;
  }

  function pyText(v) {
    if (typeof v === "boolean") { return v ? "True" : "False"; }
    return String(v);
  }

  function call(name, args) {
    if (name === "not") { return !truthy(args[0]); }
    if (name === "count-selected") { return isList(args[0]) ? args[0].length : 0; }
    if (name === "string-length") {
      return args[0] === null ? 0 : Array.from(typeof args[0] === "string" ? args[0] : pyText(args[0])).length;
    }
    if (name === "selected") {
      var subject = args[0], choice = args[1];
      if (isList(subject)) { return subject.some(function (x) { return pyEqual(x, choice); }); }
      return subject !== null && pyEqual(subject, choice);
    }
    throw new Error("unknown function " + name);
  }

  /* Evaluate a tree: ["num", 5], ["str", "yes"], ["ref", "q"], ["cur"], ["neg", x],
     ["bin", op, left, right], ["call", name, arg...]. ``lookup(name)`` gives an answer (null when
     unanswered); ``current`` is ".". */
  function evaluate(node, lookup, current) {
    var left, right;
    switch (node[0]) {
      case "num": case "str": return node[1];
      case "ref": { var v = lookup(node[1]); return v === undefined ? null : v; }
      case "cur": return current === undefined ? null : current;
      case "neg": left = evaluate(node[1], lookup, current); return isNumber(left) ? -left : null;
      case "call":
        return call(node[1], node.slice(2).map(function (arg) { return evaluate(arg, lookup, current); }));
      case "bin":
        if (node[1] === "and") {
          return truthy(evaluate(node[2], lookup, current)) && truthy(evaluate(node[3], lookup, current));
        }
        if (node[1] === "or") {
          return truthy(evaluate(node[2], lookup, current)) || truthy(evaluate(node[3], lookup, current));
        }
        left = evaluate(node[2], lookup, current);
        right = evaluate(node[3], lookup, current);
        if (node[1] === "=") { return equal(left, right); }
        if (node[1] === "!=") { return !equal(left, right); }
        if (["<", "<=", ">", ">="].indexOf(node[1]) >= 0) { return order(node[1], left, right); }
        return arith(node[1], left, right);
      default: throw new Error("unknown node " + node[0]);
    }
  }

  /* A condition holds only when it evaluates to true. */
  function holds(node, lookup, current) { return truthy(evaluate(node, lookup, current)); }

  var api = { evaluate: evaluate, holds: holds };
  if (typeof module === "object" && module.exports) { module.exports = api; }
  if (typeof document === "undefined") { return; }

  var form = document.querySelector("form.survey-form");
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  var sending = false;
  document.querySelectorAll("form").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }  /* a second click sends nothing more */
      sending = true;
    });
  });
  window.addEventListener("pageshow", function () { sending = false; });
  if (!form) { return; }

  var known = {};
  try { known = JSON.parse(form.getAttribute("data-answers") || "{}"); } catch (e) { known = {}; }
  var INTEGER = /^[+-]?[0-9]{1,15}$/;
  var DECIMAL = /^[+-]?(?:[0-9]{1,15}(?:\.[0-9]*)?|\.[0-9]+)$/;

  /* A typed number as the server cleans it (null: not an accepted answer). */
  function number(box, text) {
    var integer = box.getAttribute("data-type") === "numeric";
    if (!(integer ? INTEGER : DECIMAL).test(text)) { return null; }
    var v = Number(text), min = box.getAttribute("data-min"), max = box.getAttribute("data-max");
    if (Math.abs(v) > 1e15) { return null; }
    if ((min !== null && v < Number(min)) || (max !== null && v > Number(max))) { return null; }
    return v;
  }

  function value(name) {
    var box = form.querySelector('.question[data-name="' + CSS.escape(name) + '"]');
    if (!box) { return Object.prototype.hasOwnProperty.call(known, name) ? known[name] : null; }
    if (box.hidden) { return null; }
    var multi = [], single = null;
    box.querySelectorAll("input, textarea").forEach(function (el) {
      if (el.type === "checkbox") { if (el.checked) { multi.push(el.value); } }
      else if (el.type === "radio") { if (el.checked) { single = el.value; } }
      else if (el.value.trim() !== "") {
        single = box.hasAttribute("data-type") ? number(box, el.value.trim()) : el.value.trim();
      }
    });
    if (box.querySelector("input[type=checkbox]")) { return multi.length ? multi : null; }
    return single;
  }

  var rules = [];
  form.querySelectorAll(".question[data-when]").forEach(function (box) {
    try { rules.push({ box: box, when: JSON.parse(box.getAttribute("data-when")) }); }
    catch (e) { /* unreadable: the question stays visible and the server decides */ }
  });

  /* In page order, so that a question hidden above counts as unanswered below (as on the
     server). A rule that cannot be evaluated leaves its question visible. */
  function apply() {
    rules.forEach(function (rule) {
      var show = true;
      try { show = rule.when.every(function (c) { return holds(c, value, null); }); }
      catch (e) { show = true; }
      rule.box.hidden = !show;
      rule.box.classList.toggle("is-hidden", !show);
    });
  }
  form.addEventListener("change", apply);
  form.addEventListener("input", apply);
  apply();
}());
