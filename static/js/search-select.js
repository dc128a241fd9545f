// Search-as-you-type choice (csrplatform/widgets.py SearchSelect): htmx fetches the matches
// into the box's option list; a click here stores the chosen id in the hidden input. The box's
// own hx-* attributes override those of an enclosing form (e.g. hx-swap="none" of inline
// validation), which htmx would otherwise apply to the lookup too.
(function () {
  "use strict";

  function box(element) {
    return element.closest("[data-search-select]");
  }

  function close(container) {
    var options = container.querySelector(".search-select-options");
    options.innerHTML = "";
    container.querySelector(".search-select-input").setAttribute("aria-expanded", "false");
  }

  document.addEventListener("click", function (event) {
    var option = event.target.closest(".search-select-option");
    if (option && box(option)) {
      var container = box(option);
      var hidden = container.querySelector("input[type=hidden]");
      hidden.value = option.dataset.value;
      container.querySelector(".search-select-input").value = option.textContent;
      close(container);
      event.preventDefault();
      // A script's change fires no event: say so, for a form that validates on change.
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    document.querySelectorAll("[data-search-select]").forEach(function (container) {
      if (!container.contains(event.target)) close(container);
    });
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("search-select-input")) return;
    // Typing drops the previous choice until a new one is clicked; an empty box means "any".
    box(input).querySelector("input[type=hidden]").value = "";
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var container = box(event.target);
    if (container) {
      container.querySelector(".search-select-input").setAttribute("aria-expanded", "true");
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && box(event.target)) close(box(event.target));
  });
})();
