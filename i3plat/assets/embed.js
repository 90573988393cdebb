/* Embedded panels tell their parent how tall their content is (docs/embedding.md):
   window.parent.postMessage({type: "i3plat:height", height, metric, site}, "*") on every change. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  i3embed: {
    postHeight: function (query) {
      if (window.parent === window || window.__i3embedObserver) {
        return window.dash_clientside.no_update;
      }
      var root = document.querySelector(".embed-root") || document.body;
      var last = -1;
      var post = function () {
        var height = Math.ceil(root.scrollHeight);
        if (height === last) { return; }
        last = height;
        window.parent.postMessage({
          type: "i3plat:height",
          height: height,
          metric: query ? query.metric : null,
          site: query ? query.site : null
        }, "*");
      };
      window.__i3embedObserver = new ResizeObserver(post);
      window.__i3embedObserver.observe(root);
      post();
      return window.dash_clientside.no_update;
    }
  }
});
