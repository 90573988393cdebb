/* I3Plat kiosk: chrome-less mode, clock, data ages and rotation, all in the browser.
 *
 * Runs without the server: when callbacks fail (server restarting, network down) the clock and
 * the "data N min old" markers keep counting here, and a connection note appears; nothing
 * reloads the page. Rotation moves a `callback-nav` dcc.Location, so pages swap without reloads.
 */
(function () {
  "use strict";

  var params = new URLSearchParams(window.location.search);
  var TRUTHY = { "1": true, "true": true, "yes": true, "on": true };
  var kiosk = TRUTHY[(params.get("kiosk") || "").toLowerCase()] === true;
  var embed = /(^|\/)embed\//.test(window.location.pathname);
  var root = document.documentElement;
  if (kiosk || embed) {
    root.classList.add("i3-chromeless");
  }
  if (kiosk) {
    root.classList.add("i3-kiosk");
    root.setAttribute("data-bs-theme", params.get("theme") === "light" ? "light" : "dark");
  }

  var state = { lastNow: null, recvAt: null, skew: 0, loadAt: Date.now() };
  window.__i3kiosk = state;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clockText(ms) {
    var d = new Date(ms);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function ageText(seconds, i18n) {
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) { return i18n.s.replace("{n}", s); }
    if (s < 3600) { return i18n.min.replace("{n}", Math.floor(s / 60)); }
    if (s < 86400) { return i18n.h.replace("{n}", Math.floor(s / 3600)); }
    return i18n.d.replace("{n}", Math.floor(s / 86400));
  }

  function outputIds(index) {
    var cc = window.dash_clientside.callback_context;
    var list = cc && cc.outputs_list ? cc.outputs_list[index] : [];
    return Array.isArray(list) ? list : [];
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.i3kiosk = {
    /* Every second: clock (server time, TV clocks drift), tile ages, connection note. */
    tick: function (_n, ages, i18n, refreshMs) {
      var nowMs = Date.now();
      if (ages && ages.now !== state.lastNow) {
        state.lastNow = ages.now;
        state.recvAt = nowMs;
        state.skew = nowMs / 1000 - ages.now;
      }
      var serverNow = nowMs / 1000 - state.skew;
      var texts = [];
      var classes = [];
      var staleAfter = ages ? ages.stale : 30;
      outputIds(1).forEach(function (out) {
        var at = ages && ages.sites ? ages.sites[out.id.site] : null;
        if (at === null || at === undefined || !i18n) {
          texts.push(i18n ? i18n.never : "");
          classes.push("tile-age is-old");
          return;
        }
        var age = serverNow - at;
        var old = age > staleAfter;
        texts.push((old ? i18n.old : i18n.fresh).replace("{age}", ageText(age, i18n)));
        classes.push(old ? "tile-age is-old" : "tile-age");
      });
      var every = refreshMs || 15000;
      var since = nowMs - (state.recvAt || state.loadAt);
      var lost = since > Math.max(2.5 * every, every + 10000);
      return [
        clockText(serverNow * 1000),
        texts,
        classes,
        lost && i18n ? i18n.lost : "",
        lost ? "kiosk-conn lost" : "kiosk-conn",
      ];
    },

    /* `?kiosk=1&rotate=SECONDS` turns the shell's rotation Interval on (at least 5 s). */
    rotateSetup: function (search) {
      var p = new URLSearchParams(search || "");
      var on = TRUTHY[(p.get("kiosk") || "").toLowerCase()] === true;
      var seconds = parseFloat(p.get("rotate") || "");
      if (!on || !isFinite(seconds) || seconds <= 0) {
        return [30000, true];
      }
      return [Math.max(5, seconds) * 1000, false];
    },

    /* Next page of the rotation: overview, then each site, then the overview again. */
    rotateStep: function (_n, pages, pathname) {
      if (!Array.isArray(pages) || pages.length < 2) {
        return window.dash_clientside.no_update;
      }
      var i = pages.indexOf(pathname);
      return pages[(i + 1) % pages.length];
    },
  };
})();
