// Small progressive enhancements; every form works without this file.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  // Upvote without reloading: POST the same form with fetch, ask for JSON, update the button.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.disabled) return;
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: new URLSearchParams(new FormData(form)),
    })
      .then(function (response) {
        if (response.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname); return null; }
        if (!response.ok) return response.json().then(function (body) { throw new Error(body.error || response.statusText); });
        return response.json();
      })
      .then(function (state) {
        if (!state) return;
        document.querySelectorAll('form.vote[action="' + form.getAttribute("action") + '"] button').forEach(function (b) {
          b.classList.toggle("voted", state.upvoted);
          b.setAttribute("aria-pressed", state.upvoted ? "true" : "false");
          b.title = state.upvoted ? "Remove your upvote" : "Upvote";
          b.querySelector(".vote-count").textContent = state.upvotes;
        });
      })
      .catch(function (error) { window.alert("Could not save your vote: " + error.message); })
      .finally(function () { button.disabled = false; });
  });

  // Ask before destructive forms (delete a comment).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("confirm") && !window.confirm(form.dataset.confirm || "Are you sure?")) {
      event.preventDefault();
    }
  }, true);
})();

// Thumbnails and avatars come from HF's CDNs: one that cannot load leaves its tidy fallback.
(function () {
  "use strict";
  function failed(img) { img.classList.add("failed"); }
  document.querySelectorAll("img[data-fallback]").forEach(function (img) {
    if (img.complete && img.naturalWidth === 0) failed(img);
    else img.addEventListener("error", function () { failed(img); });
  });
})();
