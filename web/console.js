/* ykien moderation console.  Runs under a strict Content-Security-Policy
 * (no inline code or styles): everything is built with DOM calls, comment
 * text is inserted as text only.  The token lives in sessionStorage and is
 * sent only as "Authorization: Bearer", never in a URL; attachments are
 * fetched with it and shown from object URLs. */
(function () {
  'use strict';
  var API = '/api/v1', KEY = 'ykien.token', PAGE = 100, POLL_MS = 1000;
  var REASONS = ['Quảng cáo, spam', 'Xúc phạm, thô tục', 'Không liên quan đến bài viết', 'Thông tin sai sự thật'];
  var ACTIONS = { created: 'gửi', edited: 'sửa', approved: 'duyệt', rejected: 'từ chối', erased: 'xóa dữ liệu' };
  var $ = function (id) { return document.getElementById(id); };
  var token = sessionStorage.getItem(KEY) || '';
  var state = { status: 'pending', article: '', next: null, items: [], sel: -1, etag: null, maxId: 0, poll: 0, total: 0 };
  var seq = 0;

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

  function api(method, path, body, headers) {
    var h = Object.assign({ Authorization: 'Bearer ' + token }, headers || {});
    if (body) h['Content-Type'] = 'application/json';
    return fetch(API + path, { method: method, headers: h, body: body ? JSON.stringify(body) : undefined, cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) { signOut('Mã truy cập không còn hiệu lực. Vui lòng đăng nhập lại.'); throw new Error('401'); }
        return r;
      });
  }

  function fmtTime(iso) {
    if (!iso) return '';
    var d = new Date(iso), p = function (n) { return (n < 10 ? '0' : '') + n; };
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ' ngày ' + d.getDate() + '/' + (d.getMonth() + 1) + '/' + d.getFullYear();
  }

  function size(n) {
    return n < 1048576 ? Math.max(1, Math.round(n / 1024)) + ' KB' : (n / 1048576).toFixed(1).replace('.', ',') + ' MB';
  }

  function say(text) { $('notice').textContent = text; }
  function problem(text) { $('problem').textContent = text || ''; }

  /* ---- signing in ---------------------------------------------------- */

  function showSignedIn(on) {
    $('signin').hidden = on;
    $('queue').hidden = !on;
    $('signout').hidden = !on;
  }

  function signOut(msg) {
    token = '';
    sessionStorage.removeItem(KEY);
    clearTimeout(state.poll);
    state.items.forEach(dropItem);
    state.items = [];
    $('items').replaceChildren();
    showSignedIn(false);
    $('signin-error').textContent = msg || '';
    $('token').value = '';
    $('token').focus();
  }

  $('signin').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var t = $('token').value.trim();
    $('signin-error').textContent = '';
    if (!t) { $('signin-error').textContent = 'Vui lòng dán mã truy cập.'; return; }
    fetch(API + '/moderation/queue?limit=1', { headers: { Authorization: 'Bearer ' + t }, cache: 'no-store' }).then(function (r) {
      if (r.status === 401) {
        $('token').setAttribute('aria-invalid', 'true');
        $('signin-error').textContent = 'Mã truy cập không đúng hoặc đã bị thu hồi.';
        $('token').focus();
        return;
      }
      if (!r.ok) { $('signin-error').textContent = 'Máy chủ trả lời ' + r.status + '. Vui lòng thử lại.'; return; }
      token = t;
      sessionStorage.setItem(KEY, t);
      $('token').value = '';
      $('token').removeAttribute('aria-invalid');
      start();
    }, function () { $('signin-error').textContent = 'Không kết nối được máy chủ.'; });
  });
  $('signout').addEventListener('click', function () { signOut('Đã đăng xuất.'); });

  /* ---- the queue ------------------------------------------------------ */

  function query(extra) {
    return '/moderation/queue?status=' + state.status + (state.article ? '&article=' + encodeURIComponent(state.article) : '') + extra;
  }

  function load(more) {
    problem('');
    return api('GET', query('&limit=' + PAGE + (more && state.next ? '&cursor=' + encodeURIComponent(state.next) : ''))).then(function (r) {
      return r.json().then(function (d) {
        if (!r.ok) { problem(d.error ? d.error.message : 'Lỗi ' + r.status); return; }
        if (!more) {
          state.items.forEach(dropItem);
          state.items = [];
          state.sel = -1;
          $('items').replaceChildren();
        }
        d.comments.forEach(add);
        state.next = d.next;
        setTotal(d.total);
        if (!more && state.items.length) select(0, false);
        document.dispatchEvent(new CustomEvent('ykien:queue', { detail: { count: state.items.length } }));
      });
    }).catch(function (e) { if (e.message !== '401') problem('Không tải được hàng đợi.'); });
  }

  function setTotal(n) {
    state.total = n;
    $('summary').textContent = n + ' ý kiến' + (state.article ? ' trong bài “' + state.article + '”' : '');
    $('empty').hidden = state.items.length > 0;
    $('more').hidden = !state.next;
  }

  /* New comments without reloading: the newest page, polled with its ETag
   * (304 while nothing changed). */
  function poll() {
    clearTimeout(state.poll);
    if (!token) return;
    var status = state.status, article = state.article;
    api('GET', query('&order=newest&limit=20'), null, state.etag ? { 'If-None-Match': state.etag } : {}).then(function (r) {
      if (r.status !== 200 || status !== state.status || article !== state.article) return;
      state.etag = r.headers.get('ETag');
      return r.json().then(function (d) {
        var fresh = d.comments.filter(function (c) { return c.id > state.maxId; }).reverse();
        /* Appended only when the list is complete; otherwise they come with "Xem thêm". */
        if (!state.next) fresh.forEach(add);
        setTotal(d.total);
        if (fresh.length && state.sel < 0) select(0, false);
      });
    }).catch(function () {}).then(function () {
      state.poll = setTimeout(poll, document.hidden ? 5000 : POLL_MS);
    });
  }

  function start() {
    showSignedIn(true);
    state.etag = null;
    load(false).then(function () { $('items').firstChild ? focusSel() : $('tab-' + state.status).focus(); poll(); });
  }

  function switchTab(status) {
    state.status = status;
    Array.prototype.forEach.call(document.querySelectorAll('[role=tab]'), function (t) {
      var on = t.getAttribute('data-status') === status;
      t.setAttribute('aria-selected', on);
      t.tabIndex = on ? 0 : -1;
      if (on) $('panel').setAttribute('aria-labelledby', t.id);
    });
    state.etag = null;
    state.maxId = 0;
    load(false);
  }

  $('tabs').addEventListener('click', function (ev) {
    var t = ev.target.closest('[role=tab]');
    if (t) switchTab(t.getAttribute('data-status'));
  });
  $('tabs').addEventListener('keydown', function (ev) {
    var tabs = Array.prototype.slice.call(document.querySelectorAll('[role=tab]'));
    var i = tabs.indexOf(document.activeElement);
    if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
    ev.preventDefault();
    i = (i + (ev.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length;
    tabs[i].focus();
    switchTab(tabs[i].getAttribute('data-status'));
  });
  var filterTimer = 0;
  function filter() {
    clearTimeout(filterTimer);
    var v = $('article').value.trim();
    if (v === state.article) return;
    state.article = v;
    state.etag = null;
    state.maxId = 0;
    load(false);
  }
  $('filter').addEventListener('submit', function (ev) { ev.preventDefault(); filter(); });
  $('article').addEventListener('input', function () { clearTimeout(filterTimer); filterTimer = setTimeout(filter, 400); });
  $('more').addEventListener('click', function () { load(true); });

  /* ---- one comment ----------------------------------------------------- */

  function add(c) {
    var it = { c: c, urls: [] };
    it.node = el('li', { className: 'item' });
    /* Tabbing into a comment selects it too. */
    it.node.addEventListener('focusin', function () {
      var i = state.items.indexOf(it);
      if (i !== state.sel && i >= 0) select(i, false);
    });
    fill(it);
    state.items.push(it);
    state.maxId = Math.max(state.maxId, c.id);
    $('items').append(it.node);
    $('empty').hidden = true;
  }

  function dropItem(it) {
    it.urls.forEach(URL.revokeObjectURL);
    it.urls = [];
  }

  function fill(it) {
    var c = it.c, id = 'c' + c.id + '-' + (++seq);
    var s = c.status;
    dropItem(it);
    it.art = el('article', { 'aria-labelledby': id, tabIndex: -1 },
      el('header', null,
        el('h3', { id: id }, c.author || '(đã xóa)'),
        el('span', { className: 'meta' },
          c.email ? el('span', null, c.email) : el('span', { className: 'muted' }, 'không có email'),
          el('span', null, 'bài ', el('code', null, c.article)),
          el('time', { dateTime: c.created_at }, fmtTime(c.created_at)),
          c.parent_id ? el('span', null, 'trả lời #' + c.parent_id) : null,
          el('span', { className: 'muted' }, '#' + c.id))),
      (c.flags || []).length ? el('ul', { className: 'flags', 'aria-label': 'Cảnh báo' }, ...c.flags.map(function (f) {
        return el('li', null, f.kind + (f.detail ? ': ' + f.detail : ''));
      })) : null,
      el('p', { className: 'text', onclick: function () { select(state.items.indexOf(it), true); } }, c.body),
      c.edited ? el('p', { className: 'muted' }, 'Đã sửa. Bản gốc: ', el('span', { className: 'orig' }, c.original_body)) : null,
      attachments(it),
      history(c),
      el('div', { className: 'actions' },
        s !== 'approved' ? el('button', { type: 'button', className: 'approve', onclick: function () { approve(it); } }, 'Duyệt') : null,
        s !== 'rejected' ? el('button', { type: 'button', className: 'reject', onclick: function () { rejectForm(it); } }, 'Từ chối') : null,
        el('button', { type: 'button', onclick: function () { editForm(it); } }, 'Sửa')),
      it.panel = el('div', { className: 'panel' }));
    it.node.replaceChildren(it.art);
    if (state.items[state.sel] === it) it.art.setAttribute('aria-current', 'true');
  }

  function attachments(it) {
    var list = it.c.attachments || [];
    if (!list.length) return null;
    return el('ul', { className: 'atts', 'aria-label': 'Tệp đính kèm' }, ...list.map(function (a) {
      var isImg = /^image\//.test(a.content_type);
      var link = el('a', { href: '#', className: isImg ? 'thumb' : 'file', target: '_blank', rel: 'noopener' });
      var li = el('li', null, link);
      if (isImg) {
        link.append(el('img', { alt: a.filename, width: a.width || 240, height: a.height || 180 }));
        li.append(el('span', { className: 'muted' }, a.filename + ' · ' + (a.width ? a.width + '×' + a.height + ' · ' : '') + size(a.size)));
      } else {
        link.textContent = a.filename + ' (' + size(a.size) + ')';
      }
      /* Fetched with the token when it comes into view. */
      lazy(li, function () {
        api('GET', a.url.replace(/^\/api\/v1/, '')).then(function (r) { return r.ok ? r.blob() : null; }).then(function (b) {
          if (!b) return;
          var u = URL.createObjectURL(b);
          it.urls.push(u);
          link.href = u;
          if (isImg) link.firstChild.src = u;
        }).catch(function () {});
      });
      return li;
    }));
  }

  var observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (e.isIntersecting && e.target.ykLoad) { observer.unobserve(e.target); e.target.ykLoad(); e.target.ykLoad = null; }
    });
  }, { rootMargin: '200px' }) : null;

  function lazy(node, fn) {
    if (observer) { node.ykLoad = fn; observer.observe(node); } else fn();
  }

  function history(c) {
    var h = c.history || [];
    if (!h.length) return null;
    return el('details', { className: 'history' }, el('summary', null, 'Lịch sử (' + h.length + ')'),
      el('ol', null, ...h.map(function (e) {
        return el('li', null, (ACTIONS[e.action] || e.action) + (e.moderator ? ' bởi ' + e.moderator : '') + ', ' + fmtTime(e.at) + (e.reason ? ' — ' + e.reason : ''));
      })));
  }

  function select(i, focus) {
    if (i < 0 || i >= state.items.length) return;
    var old = state.items[state.sel];
    if (old && old !== state.items[i]) old.art.removeAttribute('aria-current');
    state.sel = i;
    state.items[i].art.setAttribute('aria-current', 'true');
    if (focus) focusSel();
  }

  function focusSel() {
    var it = state.items[state.sel];
    if (!it) return;
    it.art.focus({ preventScroll: true });
    it.art.scrollIntoView({ block: 'nearest' });
  }

  /* Leaves the list (acted on): the next one is selected. */
  function remove(it) {
    var i = state.items.indexOf(it);
    if (i < 0) return;
    dropItem(it);
    it.node.remove();
    state.items.splice(i, 1);
    setTotal(Math.max(0, state.total - 1));
    state.sel = -1;
    if (state.items.length) { select(Math.min(i, state.items.length - 1), true); } else { $('panel').focus(); }
    state.etag = null;
  }

  /* The outcome of an action on it.  409: another moderator acted first. */
  function outcome(it, r, done) {
    return r.json().then(function (d) {
      if (r.ok) { problem(''); done(d); return; }
      if (r.status === 409) {
        problem('Một người kiểm duyệt khác đã xử lý ý kiến này trước bạn (trạng thái hiện tại: ' +
          statusName(d.error && d.error.status) + '). Ý kiến đã được tải lại.');
        refresh(it);
        return;
      }
      problem(d.error ? d.error.message + (d.error.suggestion ? ' Gợi ý: ' + d.error.suggestion : '') : 'Lỗi ' + r.status);
    });
  }

  function statusName(s) {
    return { pending: 'chờ duyệt', approved: 'đã duyệt', rejected: 'đã từ chối' }[s] || s || 'không rõ';
  }

  function refresh(it) {
    api('GET', '/moderation/comments/' + it.c.id).then(function (r) {
      if (r.status === 404) { remove(it); return; }
      return r.json().then(function (c) {
        if (c.status !== state.status) { remove(it); return; }
        it.c = c;
        fill(it);
        select(state.items.indexOf(it), true);
      });
    }).catch(function () {});
  }

  function ifMatch(it) { return { 'If-Match': '"' + it.c.version + '"' }; }

  function approve(it, body) {
    if (it.c.status === 'approved' && body == null) return;
    var payload = body != null && body !== it.c.body ? { body: body } : null;
    if (it.c.status === 'approved') {
      /* An approved comment is edited in place. */
      return api('PATCH', '/moderation/comments/' + it.c.id, { body: body }, ifMatch(it)).then(function (r) {
        return outcome(it, r, function (c) { it.c = c; fill(it); select(state.items.indexOf(it), true); say('Đã lưu bản sửa ý kiến của ' + c.author + '.'); });
      });
    }
    return api('POST', '/moderation/comments/' + it.c.id + '/approve', payload, ifMatch(it)).then(function (r) {
      return outcome(it, r, function (c) { say('Đã duyệt ý kiến của ' + c.author + '.'); remove(it); });
    });
  }

  function reject(it, reason) {
    return api('POST', '/moderation/comments/' + it.c.id + '/reject', reason ? { reason: reason } : null, ifMatch(it)).then(function (r) {
      return outcome(it, r, function (c) { say('Đã từ chối ý kiến của ' + c.author + '.'); remove(it); });
    });
  }

  function closePanel(it) {
    if (!it || !it.panel.firstChild) return false;
    it.panel.replaceChildren();
    it.art.focus();
    return true;
  }

  function rejectForm(it) {
    if (it.c.status === 'rejected') return;
    select(state.items.indexOf(it), false);
    var id = 'why' + (++seq);
    var box = el('input', { id: id, type: 'text', maxLength: 1000, autocomplete: 'off', 'aria-describedby': id + 'h' });
    var form = el('form', { className: 'reject-form', onsubmit: function (ev) { ev.preventDefault(); reject(it, box.value.trim()); } },
      el('label', { htmlFor: id }, 'Lý do'), box,
      el('p', { id: id + 'h', className: 'muted' }, 'Gõ lý do, hoặc nhấn 1–4 để chọn lý do thường dùng.'),
      el('div', { className: 'presets' }, ...REASONS.map(function (r, i) {
        return el('button', { type: 'button', onclick: function () { box.value = r; box.focus(); } }, (i + 1) + '. ' + r);
      })),
      el('div', { className: 'actions' }, el('button', { type: 'submit', className: 'reject' }, 'Xác nhận từ chối'),
        el('button', { type: 'button', onclick: function () { closePanel(it); } }, 'Hủy')));
    /* 1-4 pick a preset while the box is still empty. */
    box.addEventListener('keydown', function (ev) {
      var n = parseInt(ev.key, 10);
      if (!box.value && n >= 1 && n <= REASONS.length && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
        ev.preventDefault();
        box.value = REASONS[n - 1];
      }
    });
    it.panel.replaceChildren(form);
    box.focus();
  }

  function editForm(it) {
    select(state.items.indexOf(it), false);
    var id = 'body' + (++seq), c = it.c;
    var area = el('textarea', { id: id, rows: 6, value: c.body });
    var diff = el('div', { className: 'diff', 'aria-live': 'off' });
    var save = c.status === 'approved' ? 'Lưu' : 'Lưu và duyệt';
    var show = function () { diff.replaceChildren(...wordDiff(c.original_body, area.value)); };
    area.addEventListener('input', show);
    area.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); approve(it, area.value); }
    });
    it.panel.replaceChildren(el('form', { className: 'edit-form', onsubmit: function (ev) { ev.preventDefault(); approve(it, area.value); } },
      el('div', { className: 'sides' },
        el('div', null, el('h4', null, 'Bản gốc của bạn đọc'), el('p', { className: 'text orig' }, c.original_body)),
        el('div', null, el('label', { htmlFor: id }, 'Nội dung'), area)),
      el('h4', null, 'Thay đổi so với bản gốc'), diff,
      el('div', { className: 'actions' }, el('button', { type: 'submit', className: 'approve' }, save),
        el('button', { type: 'button', onclick: function () { closePanel(it); } }, 'Hủy'))));
    show();
    area.focus();
  }

  /* Words of a and b, aligned by their longest common subsequence: deleted
   * words in <del>, inserted ones in <ins>. */
  function wordDiff(a, b) {
    var x = a.split(/(\s+)/), y = b.split(/(\s+)/), n = x.length, m = y.length, out = [], i, j;
    if (n * m > 4000000) return [el('del', null, a), el('ins', null, b)];
    var L = [];
    for (i = n; i >= 0; i--) {
      L[i] = new Uint32Array(m + 1);
      for (j = m - 1; i < n && j >= 0; j--) L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    }
    function push(tag, s) {
      var last = out[out.length - 1];
      if (last && last.tag === tag) last.s += s; else out.push({ tag: tag, s: s });
    }
    for (i = 0, j = 0; i < n || j < m;) {
      if (i < n && j < m && x[i] === y[j]) { push('', x[i]); i++; j++; }
      else if (i < n && (j === m || L[i + 1][j] >= L[i][j + 1])) push('del', x[i++]);
      else push('ins', y[j++]);
    }
    return out.map(function (p) { return p.tag ? el(p.tag, null, p.s) : document.createTextNode(p.s); });
  }

  /* ---- keyboard ------------------------------------------------------- */

  document.addEventListener('keydown', function (ev) {
    var it = state.items[state.sel], t = ev.target;
    if ($('queue').hidden || ev.ctrlKey || ev.altKey || ev.metaKey) return;
    if (ev.key === 'Escape') {
      if (closePanel(it)) ev.preventDefault();
      return;
    }
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable) return;
    switch (ev.key) {
    case 'j': select(Math.min(state.sel + 1, state.items.length - 1), true); break;
    case 'k': select(Math.max(state.sel - 1, 0), true); break;
    case 'a': if (it) approve(it); break;
    case 'r': if (it) rejectForm(it); break;
    case 'e': if (it) editForm(it); break;
    default: return;
    }
    ev.preventDefault();
  });

  $('panel').tabIndex = -1;
  if (token) start(); else showSignedIn(false);
})();
