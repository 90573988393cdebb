/* I3Plat site page: applies a panel's refresh delta to the figure the browser holds.
 *
 * The server sends one small delta per panel and tick (see components/figures.py build_delta):
 * drop the first points of every trace, keep the rest up to time `from`, append `x` and the
 * trace's `y`. A dash Patch could only delete one point per operation and trace, so the arrays
 * are cut here and written back with one clientside Patch; the panel's client store then records
 * the new grid and digest, which the next server refresh compares against. A delta carries the
 * digest of the figure it was computed for (`held`) and is applied to that figure only.
 */
(function () {
  "use strict";

  /* Pure: every trace's new {x, y} after `delta`, or null if the figure is not on grid `base`. */
  function advance(figure, base, delta) {
    var grid = delta.grid;
    var step = base[2];
    var size = (base[1] - base[0]) / step + 1;
    var drop = (grid[0] - base[0]) / step;
    var keep = (delta.from - base[0]) / step;
    var data = (figure && figure.data) || [];
    if (grid[2] !== step || !Number.isInteger(size) || !Number.isInteger(drop) || !Number.isInteger(keep)) {
      return null;
    }
    if (drop < 0 || keep < drop || keep > size || data.length !== delta.y.length) {
      return null;
    }
    var out = [];
    for (var i = 0; i < data.length; i++) {
      var trace = data[i];
      if (!trace.x || !trace.y || trace.x.length !== size || trace.y.length !== size) {
        return null;
      }
      if (delta.y[i].length !== delta.x.length) {
        return null;
      }
      out.push({
        x: trace.x.slice(drop, keep).concat(delta.x),
        y: trace.y.slice(drop, keep).concat(delta.y[i]),
      });
    }
    return out;
  }

  /* Clientside callback: (delta, figure, client) -> [figure Patch, client-store Patch]. */
  function applyDelta(delta, figure, client) {
    var dc = window.dash_clientside;
    if (!delta || !client || !client.grid || !delta.held || client.tail !== delta.held) {
      return [dc.no_update, dc.no_update]; // computed for another figure: the next tick catches up
    }
    var traces = advance(figure, client.grid, delta);
    if (traces === null) {
      // the figure is not what the server thinks it is: forget it, the next tick redraws in full
      return [dc.no_update, new dc.Patch().assign(["grid"], null).build()];
    }
    var patch = new dc.Patch();
    traces.forEach(function (trace, i) {
      patch.assign(["data", i, "x"], trace.x).assign(["data", i, "y"], trace.y);
    });
    var held = new dc.Patch().assign(["grid"], delta.grid).assign(["tail"], delta.tail);
    return [patch.build(), held.build()];
  }

  var ns = (window.dash_clientside = window.dash_clientside || {});
  ns.i3site = { advance: advance, applyDelta: applyDelta };
})();
