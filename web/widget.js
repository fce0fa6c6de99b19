/* ykien reader widget: the comment section of every [data-ykien-article]
 * element and the count in every [data-ykien-count] element of the page.
 * Talks only to the origin it was loaded from; no framework, no cookie,
 * localStorage only for the reader's name and e-mail.  Comment text is
 * always inserted as text, never as HTML. */
(function () {
  'use strict';
  var me = document.currentScript;
  var BASE = new URL(me ? me.src : '/', location.href).origin;
  var API = BASE + '/api/v1';
  var MAX_FILE = 10485760, MAX_FILES = 3, PAGE = 20, STORE = 'ykien.reader';
  var seq = 0;

  var T = {
    vi: {
      region: 'Ý kiến bạn đọc', total: ' ý kiến', none: 'Chưa có ý kiến nào. Hãy là người đầu tiên!',
      order: 'Thứ tự', oldest: 'Cũ nhất trước', newest: 'Mới nhất trước',
      more: 'Xem thêm ý kiến', reply: 'Trả lời', replyTo: 'Trả lời ', cancelReply: 'Hủy trả lời',
      edited: 'đã chỉnh sửa', loadFail: 'Không tải được ý kiến.', retry: 'Thử lại',
      write: 'Gửi ý kiến của bạn', name: 'Họ tên', email: 'Email',
      emailHint: 'Không bắt buộc, không hiển thị công khai.', body: 'Ý kiến của bạn',
      files: 'Đính kèm tệp', filesHint: 'Tối đa 3 tệp ảnh (JPEG, PNG, GIF, WebP) hoặc PDF, mỗi tệp tối đa 10 MB.',
      send: 'Gửi ý kiến', sending: 'Đang gửi…', upload: 'Đang tải lên', use: 'Dùng gợi ý',
      didYouMean: 'Gợi ý: ', pending: 'Cảm ơn bạn! Ý kiến của bạn đang chờ kiểm duyệt và sẽ hiển thị sau khi được duyệt.',
      closed: 'Bài viết này đã đóng bình luận.', net: 'Không gửi được vì lỗi mạng. Ý kiến của bạn vẫn còn trong ô nhập.',
      slow: 'Bạn gửi quá nhanh. Vui lòng thử lại sau ', needName: 'Vui lòng nhập họ tên.',
      needBody: 'Vui lòng nhập ý kiến.', tooBig: ' lớn hơn 10 MB.', badType: ' không phải ảnh JPEG, PNG, GIF, WebP hay tệp PDF.',
      tooMany: 'Chỉ được đính kèm tối đa 3 tệp.', sec: ' giây', min: ' phút', hour: ' giờ',
      ago: ' trước', now: 'vừa xong', at: ' ngày ', attach: 'Tệp đính kèm'
    },
    en: {
      region: 'Reader comments', total: ' comments', none: 'No comments yet. Be the first!',
      order: 'Order', oldest: 'Oldest first', newest: 'Newest first',
      more: 'More comments', reply: 'Reply', replyTo: 'Replying to ', cancelReply: 'Cancel reply',
      edited: 'edited', loadFail: 'Could not load the comments.', retry: 'Retry',
      write: 'Write a comment', name: 'Name', email: 'Email',
      emailHint: 'Optional, never shown publicly.', body: 'Your comment',
      files: 'Attach files', filesHint: 'Up to 3 images (JPEG, PNG, GIF, WebP) or PDFs, 10 MB each at most.',
      send: 'Send comment', sending: 'Sending…', upload: 'Uploading', use: 'Use suggestion',
      didYouMean: 'Suggestion: ', pending: 'Thank you! Your comment is awaiting moderation and will appear once approved.',
      closed: 'Comments are closed for this article.', net: 'Could not send: network error. Your comment is still in the form.',
      slow: 'You are sending too fast. Please try again in ', needName: 'Please enter your name.',
      needBody: 'Please write a comment.', tooBig: ' is larger than 10 MB.', badType: ' is not a JPEG, PNG, GIF or WebP image or a PDF.',
      tooMany: 'At most 3 files can be attached.', sec: ' seconds', min: ' minutes', hour: ' hours',
      ago: ' ago', now: 'just now', at: ', ', attach: 'Attachments'
    }
  };

  /* el('p', {className: 'x'}, child, 'text', ...): text is always a text node. */
  function el(tag, props) {
    var e = document.createElement(tag), k, i, c;
    for (k in props || {}) {
      if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), props[k]);
      else if (k in e && k.indexOf('-') < 0) e[k] = props[k];
      else e.setAttribute(k, props[k]);
    }
    for (i = 2; i < arguments.length; i++) {
      c = arguments[i];
      if (c != null && c !== false) e.append(c);
    }
    return e;
  }

  function uid(p) { return 'yk' + (++seq) + p; }

  function size(n, lang) {
    var f = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    return n < 1024 ? n + ' B' : n < 1048576 ? f.format(n / 1024) + ' KB' : f.format(n / 1048576) + ' MB';
  }

  /* Wait in words: "45 giây", "2 phút". */
  function wait(s, t) {
    s = Math.max(1, s);
    return s < 90 ? s + t.sec : s < 5400 ? Math.round(s / 60) + t.min : Math.round(s / 3600) + t.hour;
  }

  function when(iso, t, lang) {
    var d = new Date(iso), ago = (Date.now() - d) / 1000, p = function (n) { return (n < 10 ? '0' : '') + n; };
    if (ago < 60) return t.now;
    if (ago < 3600) return Math.floor(ago / 60) + t.min + t.ago;
    if (lang === 'vi') return p(d.getHours()) + ':' + p(d.getMinutes()) + t.at + d.getDate() + '/' + (d.getMonth() + 1) + '/' + d.getFullYear();
    return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' }) + t.at + p(d.getHours()) + ':' + p(d.getMinutes());
  }

  function req(method, path, body, lang) {
    var h = { 'Accept-Language': lang };
    if (body) h['Content-Type'] = 'application/json';
    return fetch(API + path, { method: method, headers: h, body: body && JSON.stringify(body), credentials: 'omit', referrerPolicy: 'no-referrer' });
  }

  /* The type of a file from its first bytes, as the server decides it. */
  function sniff(b) {
    var s = String.fromCharCode.apply(null, b);
    if (b[0] === 0xFF && b[1] === 0xD8 && b[2] === 0xFF) return 'jpeg';
    if (s.slice(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
    if (s.slice(0, 6) === 'GIF87a' || s.slice(0, 6) === 'GIF89a') return 'gif';
    if (s.slice(0, 4) === 'RIFF' && s.slice(8, 12) === 'WEBP') return 'webp';
    if (s.slice(0, 5) === '%PDF-') return 'pdf';
    return '';
  }

  function checkFiles(files, t) {
    if (files.length > MAX_FILES) return Promise.resolve(t.tooMany);
    return Promise.all(Array.prototype.map.call(files, function (f) {
      if (f.size > MAX_FILE) return '“' + f.name + '”' + t.tooBig;
      return f.slice(0, 16).arrayBuffer().then(function (buf) {
        return sniff(new Uint8Array(buf)) ? '' : '“' + f.name + '”' + t.badType;
      });
    })).then(function (msgs) { return msgs.filter(Boolean).join(' '); });
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }

  function Section(root) {
    var lang = root.getAttribute('data-ykien-lang') === 'en' ? 'en' : 'vi';
    var limit = Math.min(100, Math.max(1, parseInt(root.getAttribute('data-ykien-limit'), 10) || PAGE));
    var t = T[lang], article = root.getAttribute('data-ykien-article');
    var order = 'oldest', next = null, byId = {}, orphans = {}, pending = null, shut = false;
    var h = uid('h');
    var list = el('ol', { className: 'yk-list' });
    var count = el('span', { className: 'yk-total' });
    var more = el('button', { type: 'button', className: 'yk-more', hidden: true, onclick: function () { page(false); } }, t.more);
    var note = el('p', { className: 'yk-note' });
    var sel = el('select', { id: uid('o'), onchange: function () { order = sel.value; page(true); } },
      el('option', { value: 'oldest' }, t.oldest), el('option', { value: 'newest' }, t.newest));
    var form = makeForm();
    var home = el('div', { className: 'yk-home' }, form.node);

    root.classList.add('ykien');
    root.setAttribute('lang', lang);
    root.replaceChildren(el('section', { className: 'yk', 'aria-labelledby': h },
      el('div', { className: 'yk-head' }, el('h2', { id: h }, t.region), count,
        el('label', { className: 'yk-order' }, t.order + ' ', sel)),
      list, note, more, home));

    function render(c) {
      var id = uid('a'), replies = el('ol', { className: 'yk-replies' });
      var body = el('p', { className: 'yk-body' }, c.body);
      var atts = (c.attachments || []).map(function (a) {
        var href = BASE + a.url;
        if (/^image\//.test(a.content_type)) {
          return el('li', null, el('a', { href: href, target: '_blank', rel: 'noopener' },
            el('img', { src: href, alt: a.filename, loading: 'lazy', decoding: 'async', width: a.width || 320, height: a.height || 240 })));
        }
        return el('li', null, el('a', { href: href, target: '_blank', rel: 'noopener', className: 'yk-file' }, a.filename),
          ' (' + size(a.size, lang) + ')');
      });
      var node = el('li', { className: 'yk-item' }, el('article', { 'aria-labelledby': id },
        el('header', null, el('b', { id: id }, c.author), ' ',
          el('time', { dateTime: c.published_at || c.created_at }, when(c.published_at || c.created_at, t, lang)),
          c.edited ? el('span', { className: 'yk-edited' }, ' · ' + t.edited) : null),
        body,
        atts.length ? el('ul', { className: 'yk-atts', 'aria-label': t.attach }, ...atts) : null,
        shut ? null : el('button', { type: 'button', className: 'yk-reply', onclick: function () { form.replyTo(c, node); } }, t.reply)),
        replies);
      node.replies = replies;
      byId[c.id] = node;
      (orphans[c.id] || []).forEach(function (o) { replies.append(o); });
      delete orphans[c.id];
      return node;
    }

    function place(c) {
      var node = render(c), parent = c.parent_id && byId[c.parent_id];
      if (parent) parent.replies.append(node);
      else if (c.parent_id && order === 'newest') (orphans[c.parent_id] = orphans[c.parent_id] || []).push(node);
      else list.append(node);
    }

    function page(reset) {
      var q = '?limit=' + limit + '&order=' + order + (!reset && next ? '&cursor=' + encodeURIComponent(next) : '');
      more.disabled = true;
      return req('GET', '/articles/' + encodeURIComponent(article) + '/comments' + q, null, lang)
        .then(function (r) { if (!r.ok) throw r; return r.json(); })
        .then(function (d) {
          if (reset) { list.replaceChildren(); byId = {}; orphans = {}; }
          if (d.closed) closeUp();
          d.comments.forEach(place);
          if (!d.next) Object.keys(orphans).forEach(function (k) { orphans[k].forEach(function (o) { list.append(o); }); });
          if (!d.next) orphans = {};
          next = d.next;
          more.hidden = !next;
          more.disabled = false;
          count.textContent = '(' + d.total + ')';
          note.textContent = d.total ? '' : t.none;
          root.dispatchEvent(new CustomEvent('ykien:rendered', { bubbles: true, detail: { count: list.querySelectorAll('.yk-item').length } }));
        })
        .catch(function () {
          more.disabled = false;
          note.replaceChildren(t.loadFail + ' ', el('button', { type: 'button', onclick: function () { page(reset); } }, t.retry));
        });
    }

    /* The list says the article takes no more comments: its notice stands
     * where the form was, and comments offer no reply. */
    function closeUp() {
      if (shut) return;
      shut = true;
      form.close();
      form.node.remove();
      home.replaceChildren(el('p', { className: 'yk-note yk-closed' }, t.closed));
      Array.prototype.forEach.call(list.querySelectorAll('.yk-reply'), function (b) { b.remove(); });
    }

    function makeForm() {
      var saved = load();
      var fields = {}, checks = {}, timers = {}, last = {};
      var status = el('p', { role: 'status', className: 'yk-status' });
      var alertBox = el('div', { role: 'alert', className: 'yk-alert' });
      var progress = el('progress', { max: 100, value: 0, hidden: true, 'aria-label': t.upload, className: 'yk-progress' });
      var submit = el('button', { type: 'submit', className: 'yk-send' }, t.send);
      var replying = el('p', { className: 'yk-replying', hidden: true });
      var parentId = 0, closed = false;
      var f = el('form', { className: 'yk-form', noValidate: true, onsubmit: send },
        el('h3', null, t.write), replying,
        field('author', t.name, el('input', { autocomplete: 'name', maxLength: 100, value: saved.author || '' })),
        field('email', t.email, el('input', { type: 'email', autocomplete: 'email', value: saved.email || '' }), t.emailHint),
        field('body', t.body, el('textarea', { rows: 4 })),
        field('attachment', t.files, el('input', { type: 'file', multiple: true, accept: 'image/jpeg,image/png,image/gif,image/webp,application/pdf', onchange: function () {
          checkFiles(fields.attachment.files, t).then(function (m) { mark('attachment', m); });
        } }), t.filesHint),
        progress, alertBox, status, submit);
      var failed = null;   /* {key, sig} of a send that got no answer */

      function field(name, label, input, hint) {
        var id = uid(name), err = el('p', { id: id + 'e', className: 'yk-err' }), desc = [id + 'e'], extra = null;
        input.id = id;
        input.name = name;
        if (hint) { extra = el('p', { id: id + 'h', className: 'yk-hint' }, hint); desc.unshift(id + 'h'); }
        if (name === 'body' || name === 'author') {
          checks[name] = el('div', { id: id + 'c', className: 'yk-check', 'aria-live': 'polite' });
          desc.push(id + 'c');
          input.addEventListener('input', function () { typed(name); });
        }
        input.setAttribute('aria-describedby', desc.join(' '));
        fields[name] = input;
        return el('div', { className: 'yk-field yk-' + name }, el('label', { htmlFor: id }, label), extra, input, checks[name], err);
      }

      function mark(name, msg) {
        var input = fields[name];
        if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
        document.getElementById(input.id + 'e').textContent = msg || '';
        return !msg;
      }

      function suggest(name, msg, suggestion) {
        var box = checks[name];
        if (!box) return;
        box.replaceChildren();
        if (!msg) return;
        box.append(el('p', null, msg));
        if (suggestion) {
          box.append(el('p', null, t.didYouMean, el('q', null, suggestion), ' ',
            el('button', { type: 'button', onclick: function () {
              fields[name].value = suggestion;
              box.replaceChildren();
              mark(name, '');
              fields[name].focus();
              last[name] = suggestion;
            } }, t.use)));
        }
      }

      /* The verdict while the reader types, debounced; stale answers are dropped. */
      function typed(name) {
        clearTimeout(timers[name]);
        timers[name] = setTimeout(function () {
          var text = fields[name].value;
          if (text === last[name]) return;
          last[name] = text;
          if (!text.trim()) { suggest(name, ''); return; }
          req('POST', '/check-text', { text: text, field: name }, lang).then(function (r) {
            return r.ok ? r.json() : null;
          }).then(function (v) {
            if (!v || fields[name].value !== text) return;
            suggest(name, v.verdict === 'reject' ? v.message : '', v.suggestion);
          }).catch(function () {});
        }, 600);
      }

      function say(box, text, retry) {
        box.replaceChildren();
        if (text) box.append(el('p', null, text));
        if (retry) box.append(el('button', { type: 'button', className: 'yk-retry', onclick: retry }, t.retry));
      }

      function busy(on) {
        submit.disabled = on || closed;
        submit.textContent = on ? t.sending : t.send;
      }

      function send(ev) {
        ev.preventDefault();
        if (submit.disabled) return;
        say(alertBox, '');
        say(status, '');
        var ok = mark('author', fields.author.value.trim() ? '' : t.needName);
        ok = mark('body', fields.body.value.trim() ? '' : t.needBody) && ok;
        mark('email', '');
        busy(true);
        checkFiles(fields.attachment.files, t).then(function (m) {
          ok = mark('attachment', m) && ok;
          if (!ok) {
            busy(false);
            var bad = f.querySelector('[aria-invalid="true"]');
            if (bad) bad.focus();
            return;
          }
          var data = new FormData();
          ['author', 'email', 'body'].forEach(function (k) { if (fields[k].value) data.append(k, fields[k].value); });
          if (parentId) data.append('parent_id', parentId);
          Array.prototype.forEach.call(fields.attachment.files, function (file) { data.append('attachment', file); });
          /* One key per comment: sending it again after a lost answer (the
           * same form, unchanged) reuses the key, and the server stores it once. */
          var sig = JSON.stringify([parentId, fields.author.value, fields.email.value, fields.body.value,
            Array.prototype.map.call(fields.attachment.files, function (x) { return x.name + x.size + x.lastModified; })]);
          var key = failed && failed.sig === sig ? failed.key : crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2) + 'yk';
          post({ data: data, key: key, sig: sig });
        });
      }

      function post(r) {
        var x = new XMLHttpRequest(), files = fields.attachment.files.length;
        busy(true);
        x.open('POST', API + '/articles/' + encodeURIComponent(article) + '/comments');
        x.setRequestHeader('Accept-Language', lang);
        x.setRequestHeader('Idempotency-Key', r.key);
        if (files) {
          progress.value = 0;
          progress.hidden = false;
          x.upload.onprogress = function (e) { if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total); };
        }
        x.onload = function () { done(x, r); };
        x.onerror = x.ontimeout = function () {
          /* No answer: the comment may or may not be stored.  Re-sending the
           * same request with the same key is safe either way. */
          progress.hidden = true;
          busy(false);
          failed = r;
          say(alertBox, t.net, function () { say(alertBox, ''); post(r); });
        };
        x.send(r.data);
      }

      function done(x, r) {
        var err = {}, after;
        progress.hidden = true;
        busy(false);
        try { err = JSON.parse(x.responseText).error || {}; } catch (e) { /* not JSON */ }
        if (x.status === 201) {
          failed = null;
          try { localStorage.setItem(STORE, JSON.stringify({ author: fields.author.value.trim(), email: fields.email.value.trim() })); } catch (e) { /* private mode */ }
          fields.body.value = '';
          fields.attachment.value = '';
          last = {};
          suggest('body', '');
          suggest('author', '');
          cancelReply();
          say(status, t.pending);
          status.scrollIntoView({ block: 'nearest' });
          return;
        }
        if (x.status === 429) {
          after = parseInt(x.getResponseHeader('Retry-After'), 10) || 60;
          say(alertBox, t.slow + wait(after, t) + '.');
        } else if (x.status === 403 && err.code === 'closed') {
          close();
        } else if (err.field && fields[err.field]) {
          mark(err.field, err.message);
          if (err.suggestion) suggest(err.field, '', err.suggestion);
          fields[err.field].focus();
        } else if (x.status >= 500 || !x.status) {
          failed = r;
          say(alertBox, err.message || t.net, function () { say(alertBox, ''); post(r); });
        } else {
          say(alertBox, err.message || String(x.status));
        }
      }

      function close() {
        closed = true;
        say(alertBox, t.closed);
        busy(false);
        Array.prototype.forEach.call(f.querySelectorAll('input,textarea'), function (i) { i.disabled = true; });
      }

      function cancelReply() {
        parentId = 0;
        replying.hidden = true;
        if (f.parentNode !== home) home.append(f);
      }

      return {
        node: f,
        close: close,
        replyTo: function (c, node) {
          parentId = c.id;
          replying.replaceChildren(t.replyTo, el('b', null, c.author), ' ',
            el('button', { type: 'button', onclick: function () { cancelReply(); fields.body.focus(); } }, t.cancelReply));
          replying.hidden = false;
          node.querySelector('article').after(f);
          fields.body.focus();
        }
      };
    }

    page(true);
  }

  /* Every count badge of the page, in as few calls as the 100-article limit allows. */
  function counts() {
    var badges = Array.prototype.slice.call(document.querySelectorAll('[data-ykien-count]'));
    var ids = badges.map(function (b) { return b.getAttribute('data-ykien-count'); })
      .filter(function (v, i, a) { return v && a.indexOf(v) === i; });
    for (var i = 0; i < ids.length; i += 100) {
      req('GET', '/counts?' + ids.slice(i, i + 100).map(function (a) { return 'article=' + encodeURIComponent(a); }).join('&'), null, 'vi')
        .then(function (r) { return r.ok ? r.json() : { counts: {} }; })
        .then(function (d) {
          badges.forEach(function (b) {
            var n = d.counts[b.getAttribute('data-ykien-count')];
            if (n != null) b.textContent = String(n);
          });
        }).catch(function () {});
    }
  }

  function start() {
    if (!document.querySelector('link[data-ykien]')) {
      document.head.append(el('link', { rel: 'stylesheet', href: BASE + '{{asset:widget.css}}', 'data-ykien': '' }));
    }
    Array.prototype.forEach.call(document.querySelectorAll('[data-ykien-article]'), function (root) {
      if (!root.classList.contains('ykien')) Section(root);
    });
    counts();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
