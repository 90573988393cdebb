/* Logs page, follow mode: append the new lines the server sent, in the browser.
 *
 * The server answers each poll with the lines after the cursor it was given ("base"). A chunk is
 * appended only if that cursor is still the one shown here, so a late or duplicate answer (two
 * polls in flight, or a poll racing a full reload) is dropped instead of repeating lines; the
 * next poll asks again from the right place. The oldest chunks go once more than `max` lines are
 * shown, so a page left following for days keeps a bounded DOM.
 */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  i3logs: {
    appendChunk: function (incoming, children, state) {
      var none = window.dash_clientside.no_update;
      if (!incoming || !state) { return [none, none]; }
      if (JSON.stringify(incoming.base) !== JSON.stringify(state.cursor)) { return [none, none]; }
      var next = Object.assign({}, state, { cursor: incoming.cursor, polled_at: incoming.polled_at });
      if (!incoming.n) { return [none, next]; }
      var view = document.getElementById("logs-text");
      var atBottom = view && view.scrollHeight - view.scrollTop - view.clientHeight < 40;
      var kids = (children || []).concat([incoming.text]);
      var chunks = (state.chunks || []).concat([incoming.n]);
      var total = chunks.reduce(function (a, b) { return a + b; }, 0);
      while (chunks.length > 1 && total > incoming.max) {
        total -= chunks.shift();
        kids.shift();
      }
      next.chunks = chunks;
      if (atBottom) {
        setTimeout(function () { view.scrollTop = view.scrollHeight; }, 0);
      }
      return [kids, next];
    },
    /* After a full load the newest lines are the ones people want: show the end. */
    scrollToEnd: function () {
      setTimeout(function () {
        var view = document.getElementById("logs-text");
        if (view) { view.scrollTop = view.scrollHeight; }
      }, 0);
      return window.dash_clientside.no_update;
    }
  }
});
