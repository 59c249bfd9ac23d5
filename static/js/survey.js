/* Minyi survey pages: optional live skip logic. The server applies the same rules between pages
   and on submit, so everything works without this file. Expressions (relevant) use the safe
   XLSForm-like language of survey/questionnaire/expressions.py; they are parsed here, never
   eval-ed. Anything this script cannot parse stays visible (the server decides). */
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form");
  if (!form) { return; }
  var known = {};
  try { known = JSON.parse(form.getAttribute("data-answers") || "{}"); } catch (e) { known = {}; }

  function tokenize(src) {
    var re = /\s*(\$\{[A-Za-z_][A-Za-z0-9_]*\}|'[^']*'|"[^"]*"|[0-9]+(?:\.[0-9]+)?|!=|<=|>=|[=<>+\-*(),.]|[A-Za-z_][A-Za-z0-9_-]*)/y;
    var out = [], m;
    re.lastIndex = 0;
    while (re.lastIndex < src.length) {
      if (/^\s*$/.test(src.slice(re.lastIndex))) { break; }
      m = re.exec(src);
      if (!m) { throw new Error("syntax"); }
      out.push(m[1]);
    }
    return out;
  }

  function parse(src) {
    var t = tokenize(src), i = 0;
    function peek() { return t[i]; }
    function take(x) { if (x !== undefined && t[i] !== x) { throw new Error("expected " + x); } return t[i++]; }
    function binary(next, ops) {
      return function () {
        var left = next();
        while (ops.indexOf(peek()) >= 0) { left = { op: take(), l: left, r: next() }; }
        return left;
      };
    }
    function primary() {
      var tok = take();
      if (tok === undefined) { throw new Error("end"); }
      if (tok === "(") { var e = expr(); take(")"); return e; }
      if (tok === "-") { return { op: "neg", l: primary() }; }
      if (tok === ".") { return { cur: true }; }
      if (/^\$\{/.test(tok)) { return { ref: tok.slice(2, -1) }; }
      if (/^['"]/.test(tok)) { return { val: tok.slice(1, -1) }; }
      if (/^[0-9]/.test(tok)) { return { val: parseFloat(tok) }; }
      if (peek() === "(") {
        take("(");
        var args = [];
        if (peek() !== ")") { args.push(expr()); while (peek() === ",") { take(","); args.push(expr()); } }
        take(")");
        return { fn: tok, args: args };
      }
      throw new Error("unexpected " + tok);
    }
    var mul = binary(primary, ["*", "div", "mod"]);
    var add = binary(mul, ["+", "-"]);
    var rel = binary(add, ["<", "<=", ">", ">="]);
    var eq = binary(rel, ["=", "!="]);
    var and = binary(eq, ["and"]);
    var expr = binary(and, ["or"]);
    var tree = expr();
    if (i !== t.length) { throw new Error("trailing"); }
    return tree;
  }

  function value(name) {
    var box = form.querySelector('.question[data-name="' + name + '"]');
    if (!box) { return Object.prototype.hasOwnProperty.call(known, name) ? known[name] : null; }
    if (box.classList.contains("is-hidden")) { return null; }
    var inputs = box.querySelectorAll("input, textarea");
    var multi = [], single = null, numeric = box.getAttribute("data-type") === "number";
    inputs.forEach(function (el) {
      if (el.type === "checkbox") { if (el.checked) { multi.push(el.value); } }
      else if (el.type === "radio") { if (el.checked) { single = el.value; } }
      else if (el.value.trim() !== "") { single = numeric ? Number(el.value) : el.value.trim(); }
    });
    if (box.querySelector("input[type=checkbox]")) { return multi; }
    return single;
  }

  function evaluate(n, cur) {
    if ("val" in n) { return n.val; }
    if (n.ref) { return value(n.ref); }
    if (n.cur) { return cur; }
    if (n.fn) {
      var a = n.args.map(function (x) { return evaluate(x, cur); });
      if (n.fn === "not") { return a[0] !== true; }
      if (n.fn === "selected") { return Array.isArray(a[0]) ? a[0].indexOf(a[1]) >= 0 : a[0] !== null && a[0] === a[1]; }
      if (n.fn === "count-selected") { return Array.isArray(a[0]) ? a[0].length : 0; }
      if (n.fn === "string-length") { return a[0] === null ? 0 : String(a[0]).length; }
      throw new Error("function");
    }
    var l = evaluate(n.l, cur);
    if (n.op === "neg") { return typeof l === "number" ? -l : null; }
    var r = evaluate(n.r, cur);
    switch (n.op) {
      case "and": return l === true && r === true;
      case "or": return l === true || r === true;
      case "=": return same(l, r);
      case "!=": return !same(l, r);
      case "<": case "<=": case ">": case ">=":
        if (l === null || r === null) { return false; }
        return n.op === "<" ? l < r : n.op === "<=" ? l <= r : n.op === ">" ? l > r : l >= r;
      default:
        if (typeof l !== "number" || typeof r !== "number") { return null; }
        return n.op === "+" ? l + r : n.op === "-" ? l - r : n.op === "*" ? l * r : n.op === "div" ? l / r : l % r;
    }
  }

  function same(l, r) {
    if (l === null) { return r === null || r === ""; }
    if (r === null) { return l === ""; }
    if (typeof l === "number" || typeof r === "number") { return Number(l) === Number(r); }
    return String(l) === String(r);
  }

  var rules = [];
  form.querySelectorAll(".question[data-relevant]").forEach(function (box) {
    try { rules.push({ box: box, tree: parse(box.getAttribute("data-relevant")) }); } catch (e) { /* keep visible */ }
  });
  function apply() {
    rules.forEach(function (rule) {
      var show = true;
      try { show = evaluate(rule.tree, null) === true; } catch (e) { show = true; }
      rule.box.classList.toggle("is-hidden", !show);
      rule.box.hidden = !show;
    });
  }
  form.addEventListener("change", apply);
  form.addEventListener("input", apply);
  apply();

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
