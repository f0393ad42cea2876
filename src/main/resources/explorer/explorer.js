// The Sluice explorer: the catalogue, a form per dataset, a live preview, downloads and snippets.
// Plain JavaScript under a strict Content-Security-Policy: no inline code, no inline styles.
// The token lives in this page's memory only: never stored, never put in a URL.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  let token = '';
  let datasets = [];
  let current = null;
  let formats = [];
  let running = null;

  const headers = (accept) => Object.assign(token ? { Authorization: 'Bearer ' + token } : {}, accept ? { Accept: accept } : {});

  /** JSON.parse keeping each number's own digits (a bigint, a numeric's scale) where the browser can. */
  const parse = (text) => (typeof JSON.rawJSON === 'function'
    ? JSON.parse(text, (key, value, context) => (typeof value === 'number' && context && context.source !== undefined ? JSON.rawJSON(context.source) : value))
    : JSON.parse(text));

  const show = (element, text, state) => {
    element.textContent = text;
    element.className = state || '';
    element.dataset.state = state || '';
  };

  const describe = (status, body) => {
    const error = (body && body.error) || {};
    return `${status} ${error.code || ''}: ${error.message || 'request failed'}` + (error.requestId ? ` (request ${error.requestId})` : '');
  };

  async function getJson(path) {
    const response = await fetch(path, { headers: headers('application/json') });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const failure = new Error(describe(response.status, body));
      failure.status = response.status;
      throw failure;
    }
    return body;
  }

  async function loadCatalogue() {
    const status = $('catalogue-status');
    show(status, 'Loading…', 'loading');
    $('datasets').replaceChildren();
    $('dataset').hidden = true;
    try {
      const [catalogue, api] = await Promise.all([getJson('/v1/datasets'), getJson('/v1/openapi.json')]);
      datasets = catalogue.datasets;
      formats = formatsOf(api);
      for (const dataset of datasets) {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = dataset.name;
        button.dataset.name = dataset.name;
        button.addEventListener('click', () => select(dataset));
        item.append(button);
        $('datasets').append(item);
      }
      show(status, `${datasets.length} dataset${datasets.length === 1 ? '' : 's'}`, 'loaded');
    } catch (failure) {
      show(status, failure.message + (failure.status === 401 ? ' — paste a token above' : ''), 'error');
    }
  }

  /** The formats the OpenAPI document's format parameter lists (x-sluice-formats), for the download buttons. */
  function formatsOf(api) {
    for (const item of Object.values(api.paths || {})) {
      const format = (item.parameters || []).find((p) => p.name === 'format');
      if (format && format.schema && format.schema['x-sluice-formats']) {
        return format.schema['x-sluice-formats'];
      }
    }
    return [];
  }

  function select(dataset) {
    stop();
    current = dataset;
    for (const button of $('datasets').querySelectorAll('button')) {
      button.setAttribute('aria-current', String(button.dataset.name === dataset.name));
    }
    $('dataset-name').textContent = dataset.name;
    $('dataset-description').textContent = dataset.description || '';
    $('fields').replaceChildren(...dataset.parameters.map(field));
    $('f-columns').value = '';
    $('f-columns').placeholder = dataset.columns.map((c) => c.name).join(',');
    $('preview').tHead.replaceChildren();
    $('preview').tBodies[0].replaceChildren();
    show($('preview-status'), '', '');
    $('dataset').hidden = false;
    refresh();
  }

  /** One input per parameter, typed as the catalogue declares it. */
  function field(parameter) {
    const wrap = document.createElement('div');
    wrap.className = 'field';
    const label = document.createElement('label');
    label.htmlFor = 'p-' + parameter.name;
    label.textContent = parameter.name + (parameter.required ? ' *' : '');
    let input;
    if (parameter.fromToken) {
      input = document.createElement('input');
      input.disabled = true;
      input.value = `from the token's ${parameter.fromToken}`;
    } else if (parameter.allowed || parameter.type === 'boolean') {
      input = document.createElement('select');
      const choices = [''].concat(parameter.allowed || ['true', 'false']);
      input.append(...choices.map((value) => new Option(value || '(none)', value)));
    } else {
      input = document.createElement('input');
      input.type = { integer: 'number', decimal: 'number', date: 'date' }[parameter.type] || 'text';
      if (parameter.type === 'integer') input.step = '1';
      if (parameter.type === 'decimal') input.step = 'any';
      if (parameter.type === 'timestamp') input.placeholder = '2024-01-31T12:00:00Z';
      if (parameter.min !== undefined) input.min = parameter.min;
      if (parameter.max !== undefined) input.max = parameter.max;
    }
    input.id = 'p-' + parameter.name;
    input.dataset.param = parameter.fromToken ? '' : parameter.name;
    input.dataset.type = parameter.type;
    input.required = Boolean(parameter.required) && !parameter.fromToken;
    if (parameter.default !== undefined && !parameter.fromToken) input.value = parameter.default;
    input.addEventListener('input', refresh);
    const hint = document.createElement('small');
    hint.textContent = [parameter.type, parameter.description].filter(Boolean).join(' — ');
    wrap.append(label, input, hint);
    return wrap;
  }

  /** The form's values: the dataset's parameters, limit and columns, as the query string carries them. */
  function values() {
    const params = [];
    for (const input of $('fields').querySelectorAll('[data-param]')) {
      if (input.dataset.param && input.value !== '') params.push([input.dataset.param, input.value, input.dataset.type]);
    }
    if ($('f-limit').value !== '') params.push(['limit', $('f-limit').value, 'integer']);
    if ($('f-columns').value.trim() !== '') params.push(['columns', $('f-columns').value.replace(/\s+/g, ''), 'columns']);
    return params;
  }

  const query = (extra) => new URLSearchParams(values().map(([name, value]) => [name, value]).concat(extra || [])).toString();
  const rowsUrl = (extra) => current.rows + '?' + query(extra);

  function refresh() {
    if (!current) return;
    const url = location.origin + rowsUrl();
    $('curl-snippet').textContent = 'curl -sS' + (token ? ' -H "Authorization: Bearer $SLUICE_TOKEN"' : '') + ` '${url}'`;
    const args = [JSON.stringify(current.name)].concat(values().map(([name, value, type]) => `${name}=${pythonValue(value, type)}`));
    $('python-snippet').textContent = (token ? 'import os\n' : '') + 'from sluice_client import Client\n\n'
      + `client = Client(${JSON.stringify(location.origin)}${token ? ', token=os.environ["SLUICE_TOKEN"]' : ''})\n`
      + `for row in client.rows(${args.join(', ')}):\n    print(row)\n`
      + `# or a table: client.to_pandas(${args.join(', ')})\n`;
    downloads();
  }

  function pythonValue(value, type) {
    if (type === 'integer' && /^-?\d+$/.test(value)) return value;
    if (type === 'boolean') return value === 'true' ? 'True' : 'False';
    if (type === 'decimal') return `Decimal(${JSON.stringify(value)})`;
    if (type === 'columns') return JSON.stringify(value.split(','));
    return JSON.stringify(value);
  }

  function downloads() {
    const box = $('downloads');
    box.replaceChildren();
    for (const format of formats) {
      const name = `${current.name}.${format.extension || format.name}`;
      const url = rowsUrl([['format', format.name]]);
      let control;
      if (token) {
        // a link cannot carry the token: fetch the file, then hand it over as a blob
        control = document.createElement('button');
        control.type = 'button';
        control.addEventListener('click', () => download(url, name, control));
      } else {
        control = document.createElement('a');
        control.href = url;
        control.download = name;
      }
      control.textContent = format.name;
      control.dataset.format = format.name;
      control.title = format.mediaType;
      box.append(control);
    }
  }

  async function download(url, name, control) {
    control.disabled = true;
    try {
      const response = await fetch(url, { headers: headers() });
      if (!response.ok) throw new Error(describe(response.status, await response.json().catch(() => ({}))));
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await response.blob());
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    } catch (failure) {
      show($('preview-status'), `download failed: ${failure.message}`, 'error');
    } finally {
      control.disabled = false;
    }
  }

  function stop() {
    if (running) running.abort();
    running = null;
    $('stop-button').disabled = true;
  }

  /** Streams the rows as NDJSON into the table as they arrive; the in-band record says complete or cut. */
  async function preview(event) {
    event.preventDefault();
    stop();
    const controller = new AbortController();
    running = controller;
    $('stop-button').disabled = false;
    const status = $('preview-status');
    const body = $('preview').tBodies[0];
    body.replaceChildren();
    const selected = $('f-columns').value.trim();
    const columns = selected ? selected.split(',').map((c) => c.trim()) : current.columns.map((c) => c.name);
    const head = document.createElement('tr');
    head.append(...columns.map((name) => Object.assign(document.createElement('th'), { textContent: name })));
    $('preview').tHead.replaceChildren(head);
    let rows = 0;
    let ended = false;
    const progress = () => { status.dataset.rows = String(rows); };
    show(status, 'Streaming…', 'streaming');
    progress();
    const line = (text) => {
      if (!text.trim()) return; // a heartbeat
      const row = parse(text);
      const keys = Object.keys(row);
      if (keys.length === 1 && keys[0] === '_sluice') {
        const record = row._sluice;
        if (record.sampling) return;
        ended = true;
        if (record.status === 'complete' || record.status === 'sampled') {
          show(status, `${record.status}: ${rows} rows`, 'complete');
        } else {
          const error = record.error || {};
          show(status, `cut after ${rows} rows: ${error.code}: ${error.message}` + (error.requestId ? ` (request ${error.requestId})` : ''), 'cut');
        }
        progress();
        return;
      }
      const tr = document.createElement('tr');
      for (const name of columns) {
        const value = row[name];
        const td = document.createElement('td');
        td.textContent = value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value);
        if (value === null) td.className = 'null';
        tr.append(td);
      }
      body.append(tr);
      rows += 1;
      status.textContent = `Streaming… ${rows} rows`;
      progress();
    };
    try {
      const response = await fetch(rowsUrl([['format', 'ndjson'], ['meta', 'true']]), { headers: headers(), signal: controller.signal });
      if (!response.ok) {
        show(status, describe(response.status, await response.json().catch(() => ({}))), 'error');
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          line(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
        }
      }
      if (buffer) line(buffer);
      if (!ended) show(status, `cut after ${rows} rows: the body ended without its summary record`, 'cut');
    } catch (failure) {
      if (failure.name === 'AbortError') {
        show(status, `stopped after ${rows} rows`, 'stopped');
      } else if (!ended) {
        show(status, `cut after ${rows} rows: the connection broke (${failure.message})`, 'cut');
      }
    } finally {
      progress();
      if (running === controller) stop();
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      token = $('token').value.trim();
      loadCatalogue();
    });
    $('params').addEventListener('submit', preview);
    $('stop-button').addEventListener('click', stop);
    $('f-limit').addEventListener('input', refresh);
    $('f-columns').addEventListener('input', refresh);
    loadCatalogue();
  });
})();
