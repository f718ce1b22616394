// Small progressive enhancements; every form works without this file.
// POST a form as it is, with the page's CSRF token, asking for JSON: the reply's state, or null
// when the visitor is sent to log in. Shared by the enhancements below.
function dailypapersPost(form) {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  return fetch(form.action, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Accept": "application/json", "X-CSRF-Token": meta ? meta.getAttribute("content") : "" },
    body: new URLSearchParams(new FormData(form)),
  }).then(function (response) {
    if (response.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname); return null; }
    if (!response.ok) return response.json().then(function (body) { throw new Error(body.error || response.statusText); });
    return response.json();
  });
}

(function () {
  "use strict";


  // Upvote without reloading: POST the same form with fetch, ask for JSON, update the button.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.disabled) return;
    button.disabled = true;
    dailypapersPost(form)
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

// Your library without reloading: collect / uncollect, read / not interested, save for later.
// The same forms work without this (they redirect back); here they POST with fetch, ask for
// JSON and flip the button and its hidden "want"/"on"/"saved" field.
(function () {
  "use strict";
  var kinds = { "library-toggle": "want", "reading-toggle": "on", "save-paper": "saved" };

  function kindOf(form) {
    for (var name in kinds) { if (form.classList && form.classList.contains(name)) return name; }
    return null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = kindOf(form);
    if (!kind) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var field = form.querySelector('input[name="' + kinds[kind] + '"]');
    if (button.disabled) return;
    button.disabled = true;
    dailypapersPost(form)
      .then(function (state) {
        if (!state) return;
        var on = field.value === "1";  // what was just asked for
        field.value = on ? "0" : "1";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        if (kind === "library-toggle") {
          button.textContent = (on ? "✓ " : "+ ") + button.dataset.label;
          var details = form.closest("details.collect");
          if (details) {
            var count = details.querySelectorAll('form.library-toggle button[aria-pressed="true"]').length;
            var summary = details.querySelector("summary");
            summary.textContent = count ? "Collect (" + count + ")" : "Collect";
          }
        } else if (kind === "reading-toggle") {
          button.textContent = on ? button.dataset.on : button.dataset.off;
        } else {
          button.textContent = on ? "Saved ✓" : "Save for later";
        }
      })
      .catch(function (error) { window.alert("Could not save that: " + error.message); })
      .finally(function () { button.disabled = false; });
  });

  // "Copy BibTeX": shown only where the clipboard can be written.
  document.querySelectorAll("button.copy-bibtex").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.querySelector(button.dataset.copy);
      navigator.clipboard.writeText(source.value).then(function () {
        button.textContent = "Copied ✓";
      }, function () { source.select(); });
    });
  });
})();
