// Follows an evaluation job (app/templates/office/job.html): polls its status every second,
// moves the progress bar, says the stage, and opens the results (or the failure) when it ends.
// Without JavaScript the page refreshes itself instead (<noscript> meta refresh).
(function () {
  "use strict";
  var root = document.querySelector("[data-job-status]");
  if (!root) { return; }
  var url = root.getAttribute("data-job-status");
  var stage = document.getElementById("job-stage");
  var bar = document.getElementById("job-progress");

  function show(state) {
    if (state.next) {
      window.location.assign(state.next);
      return;
    }
    if (stage.textContent !== state.stage) { stage.textContent = state.stage; }
    bar.value = state.fraction;
    bar.textContent = state.percent + "%";
    window.setTimeout(poll, 1000);
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(show)
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1000);
}());
