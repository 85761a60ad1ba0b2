// Navigation: links keep the shared filters of the current page (indicator, unit, years, region, partner),
// open without reloading (the same event dcc.Link sends to Dash's router), and fold behind a menu button on a phone.
(function () {
    var SHARED = ["indicator", "unit", "y0", "y1", "region", "partner"];
    function target(a) {
        var here = new URLSearchParams(window.location.search), next = new URLSearchParams();
        SHARED.forEach(function (k) { if (here.get(k)) next.set(k, here.get(k)); });
        var qs = next.toString();
        return a.getAttribute("data-path") + (qs ? "?" + qs : "");
    }
    function refresh(a) { if (a && a.getAttribute("data-path")) a.setAttribute("href", target(a)); }
    document.addEventListener("mouseover", function (e) { refresh(e.target.closest && e.target.closest("a.nav-link")); }, true);
    document.addEventListener("focusin", function (e) { refresh(e.target.closest && e.target.closest("a.nav-link")); }, true);
    document.addEventListener("click", function (e) {
        var toggle = e.target.closest && e.target.closest("#nav-toggle");
        var nav = document.getElementById("navbar");
        if (toggle && nav) {
            var open = nav.classList.toggle("open");
            toggle.setAttribute("aria-expanded", open ? "true" : "false");
            return;
        }
        var a = e.target.closest && e.target.closest("a.nav-link");
        if (!a) return;
        refresh(a);
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;  // new tab: the href is right
        e.preventDefault();
        window.history.pushState({}, "", a.getAttribute("href"));
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        window.scrollTo(0, 0);
        if (nav) { nav.classList.remove("open"); }
    }, true);
})();
