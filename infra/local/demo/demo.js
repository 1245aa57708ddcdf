// The demo page's script: builds the variant URLs against the edge named in the page's meta tag,
// fills the grids, and reports what each request cost. Every <img> carries the width and height
// it must decode to (data-expected-*), which the browser test checks. When everything has
// settled, <html data-ready="true">. Every URL comes from the client package (client/, served
// from its build under /client/), as a site would build them.
import { imageUrl, placeholder, srcset } from './client/index.js';

(function () {
  var edge = document.querySelector('meta[name="edge-url"]').content.replace(/\/$/, '');
  // What Chromium sends for <img>, so a fetch() of an f=auto variant asks for the same bytes.
  var IMAGE_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
  var PHOTO = 'dev/photo.jpg';

  function paramsOf(query) {
    var params = {};
    new URLSearchParams(query).forEach(function (value, name) { if (!(name in params)) params[name] = value; });
    return params;
  }

  function variant(key, query) {
    return imageUrl(edge, key, paramsOf(query));
  }

  function formatBytes(bytes) {
    return bytes < 1024 ? bytes + ' B' : (bytes / 1024).toFixed(1) + ' KB';
  }

  function loaded(img) {
    if (img.complete && img.naturalWidth) return Promise.resolve();
    return new Promise(function (resolve) {
      img.addEventListener('load', resolve, { once: true });
      img.addEventListener('error', resolve, { once: true });
    });
  }

  /** Fetches a variant again to show what it weighs; reports CORS refusals instead of failing. */
  function measure(url) {
    return fetch(url, { headers: { Accept: IMAGE_ACCEPT } }).then(function (response) {
      return response.blob().then(function (blob) {
        return formatBytes(blob.size) + ' · ' + (response.headers.get('content-type') || '?');
      });
    }, function () {
      return 'bytes unknown: this origin may not read the response (CORS)';
    });
  }

  var settled = [];

  function card(container, item) {
    var figure = document.createElement('figure');
    if (item.box) figure.className = 'boxed';
    var frame = document.createElement('div');
    frame.className = 'frame';
    var img = document.createElement('img');
    img.src = variant(item.key, item.query);
    img.alt = item.label;
    img.dataset.expectedWidth = String(item.width);
    img.dataset.expectedHeight = String(item.height);
    frame.appendChild(img);
    var caption = document.createElement('figcaption');
    var title = document.createElement('strong');
    title.textContent = item.label;
    var stats = document.createElement('span');
    stats.textContent = 'loading…';
    caption.appendChild(title);
    caption.appendChild(stats);
    figure.appendChild(frame);
    figure.appendChild(caption);
    container.appendChild(figure);
    settled.push(loaded(img).then(function () {
      return measure(img.currentSrc || img.src);
    }).then(function (cost) {
      stats.textContent = img.naturalWidth + '×' + img.naturalHeight + ' · ' + cost;
    }));
  }

  document.getElementById('page-origin').textContent = location.origin;
  document.getElementById('edge-origin').textContent = edge;

  var hero = document.getElementById('responsive');
  var widths = hero.dataset.srcsetWidths.split(' ');
  hero.srcset = srcset(PHOTO, { base: edge, widths: widths.map(Number), params: paramsOf(hero.dataset.query) });
  hero.src = variant(PHOTO, 'w=640&' + hero.dataset.query);
  hero.dataset.expectedHeight = String(Math.round(Number(hero.dataset.expectedWidth) * 2 / 3));
  settled.push(loaded(hero).then(function () {
    return measure(hero.currentSrc);
  }).then(function (cost) {
    document.getElementById('responsive-caption').textContent = 'chosen: ' + decodeURIComponent(hero.currentSrc.replace(edge, '')) + ' → ' + hero.naturalWidth + '×' + hero.naturalHeight + ' · ' + cost;
  }));

  ['jpeg', 'png', 'webp', 'avif', 'gif'].forEach(function (format) {
    card(document.getElementById('formats'), { key: PHOTO, query: 'w=240&h=160&f=' + format, label: 'f=' + format, width: 240, height: 160 });
  });

  [['cover', 200, 200], ['contain', 200, 200], ['fill', 200, 200], ['inside', 200, 133], ['outside', 300, 200]].forEach(function (fit) {
    card(document.getElementById('fits'), { key: PHOTO, query: 'w=200&h=200&fit=' + fit[0] + '&f=webp', label: 'fit=' + fit[0], width: fit[1], height: fit[2], box: true });
  });

  [
    { key: 'dev/서울 야경.jpg', query: 'w=360&f=webp', label: 'dev/서울 야경.jpg, w=360', width: 360, height: 240 },
    { key: 'dev/spinner.gif', query: 'w=64', label: 'dev/spinner.gif, w=64 (animated)', width: 64, height: 64 },
    { key: 'thumbnail.png', query: '', label: 'thumbnail.png, bare: the original', width: 800, height: 800 },
  ].forEach(function (item) { card(document.getElementById('others'), item); });

  [
    { query: 'w=160&f=webp&rot=90', label: 'rot=90', width: 160, height: 240 },
    { query: 'w=240&h=160&f=webp&flip=h', label: 'flip=h', width: 240, height: 160 },
    { query: 'w=200&h=200&fit=contain&f=webp&bg=ff3366', label: 'bg=ff3366 (contain)', width: 200, height: 200, box: true },
    { query: 'w=240&h=160&f=webp&blur=4', label: 'blur=4', width: 240, height: 160 },
    { query: 'w=240&h=160&f=webp&sharpen=2', label: 'sharpen=2', width: 240, height: 160 },
    { query: 'w=240&h=160&f=webp&gray=1', label: 'gray=1', width: 240, height: 160 },
    { query: 'w=240&f=webp&rect=500,250,600,400', label: 'rect=500,250,600,400', width: 240, height: 160 },
    { query: 'w=160&h=160&f=webp&pos=0.80,0.30', label: 'pos=0.80,0.30 (focal point)', width: 160, height: 160 },
  ].forEach(function (item) { item.key = PHOTO; card(document.getElementById('edits'), item); });

  Array.prototype.forEach.call(document.querySelectorAll('.fetch'), function (box) {
    var url = variant(box.dataset.path, box.dataset.query);
    box.querySelector('code').textContent = url.replace(edge, '');
    var status = box.querySelector('.status');
    var out = box.querySelector('pre');
    settled.push(fetch(url).then(function (response) {
      return response.arrayBuffer().then(function (body) {
        box.dataset.result = 'ok';
        status.textContent = response.status + ' ' + response.statusText + ' · ' + formatBytes(body.byteLength) + ' · readable across origins';
        var lines = [];
        response.headers.forEach(function (value, name) { lines.push(name + ': ' + value); });
        var head = String.fromCharCode.apply(null, new Uint8Array(body.slice(0, 8)));
        if (head.indexOf('%PDF') === 0) lines.push('', 'body starts with ' + JSON.stringify(head));
        out.textContent = lines.join('\n');
      });
    }, function (error) {
      box.dataset.result = 'blocked';
      status.textContent = 'blocked: ' + error + ' (this origin is not in cors.allowedOrigins)';
    }));
  });

  // The ThumbHash from f=json shows at once, then the image fades in over it.
  var blurFrame = document.getElementById('placeholder-frame');
  var slow = document.getElementById('placeholder-image');
  settled.push(fetch(variant(PHOTO, 'w=640&f=json')).then(function (response) {
    return response.json();
  }).then(function (info) {
    blurFrame.style.backgroundImage = 'url("' + placeholder(info) + '")';
    blurFrame.dataset.placeholder = slow.getAttribute('src') ? 'late' : 'shown';
    document.getElementById('placeholder-caption').textContent = 'f=json: source ' + info.source.width + '×' + info.source.height + ' ' + info.source.format +
      ', output ' + info.output.width + '×' + info.output.height + ', dominant ' + info.dominantColor + ', ThumbHash ' + info.thumbhash;
  }, function () {
    blurFrame.dataset.placeholder = 'blocked';
    document.getElementById('placeholder-caption').textContent = 'f=json is not readable from this origin (CORS): no placeholder';
  }).then(function () {
    return new Promise(function (resolve) {
      slow.addEventListener('load', function () {
        slow.classList.add('loaded');
        slow.addEventListener('transitionend', resolve, { once: true });
        setTimeout(resolve, 2000);
      }, { once: true });
      slow.addEventListener('error', resolve, { once: true });
      slow.src = variant(PHOTO, 'w=640&f=webp&q=70');
    });
  }).then(function () {
    blurFrame.dataset.faded = String(getComputedStyle(slow).opacity === '1');
  }));

  /** The edge's live summary, from the page's own origin. */
  function showMetrics() {
    return fetch('metrics.json', { cache: 'no-store' }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (summary) {
      var outcomes = Object.keys(summary.outcomes).map(function (name) { return name + ' ' + summary.outcomes[name]; }).join(', ');
      document.getElementById('metrics-summary').textContent = summary.variantsMade + ' variants made · ' + summary.requests +
        ' requests · hit rate ' + Math.round(summary.hitRate * 100) + '% (' + summary.hits + ' hits, ' + summary.misses + ' misses)' +
        (outcomes ? ' · ' + outcomes : '');
      var body = document.querySelector('#metrics tbody');
      body.textContent = '';
      Object.keys(summary.stages).forEach(function (stage) {
        var row = document.createElement('tr');
        var s = summary.stages[stage];
        [stage, String(s.count), s.p50.toFixed(1) + ' ms', s.p99.toFixed(1) + ' ms'].forEach(function (text) {
          var cell = document.createElement('td');
          cell.textContent = text;
          row.appendChild(cell);
        });
        body.appendChild(row);
      });
      document.getElementById('metrics').dataset.variantsMade = String(summary.variantsMade);
    }, function () {
      document.getElementById('metrics-summary').textContent = 'no summary here: npm start serves it';
    });
  }

  Promise.all(settled).then(showMetrics).then(function () {
    document.documentElement.dataset.ready = 'true';
    setInterval(showMetrics, 2000);
  });
})();
