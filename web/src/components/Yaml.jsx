// A read-only YAML view of one object, with simple highlighting. managedFields
// are left out; a Secret's values stay hidden unless the user reveals them.
import { useMemo, useState } from 'react';
import { stringify } from 'yaml';

/** toYAML is the YAML text of an object as shown: no managedFields, secret values masked unless reveal. */
export function toYAML(object, { reveal = false } = {}) {
  const o = structuredClone(object);
  if (o.metadata) delete o.metadata.managedFields;
  if (o.kind === 'Secret' && !reveal) {
    for (const field of ['data', 'stringData']) if (o[field]) o[field] = Object.fromEntries(Object.keys(o[field]).map((k) => [k, '<hidden>']));
  }
  return stringify(o, { lineWidth: 0 });
}

const LINE = /^(\s*)(- )?([^\s:#'"][^:]*?|"[^"]*"|'[^']*')(:)( .*)?$/;

function Value({ text }) {
  const v = text.trim();
  let cls = 'y-str';
  if (/^(true|false|null|~)$/.test(v)) cls = 'y-lit';
  else if (/^-?\d+(\.\d+)?$/.test(v)) cls = 'y-num';
  else if (v === '<hidden>') cls = 'y-hidden';
  else if (/^[|>][-+]?$/.test(v)) cls = 'y-punct';
  return <span className={cls}>{text}</span>;
}

function Line({ text }) {
  const m = LINE.exec(text);
  if (!m) {
    const item = /^(\s*)(- )(.*)$/.exec(text);
    if (item) return (<>{item[1]}<span className="y-punct">{item[2]}</span><Value text={item[3]} /></>);
    return <span className="y-str">{text}</span>;
  }
  const [, indent, dash = '', key, colon, rest = ''] = m;
  return (
    <>
      {indent}
      {dash && <span className="y-punct">{dash}</span>}
      <span className="y-key">{key}</span>
      <span className="y-punct">{colon}</span>
      {rest && <Value text={rest} />}
    </>
  );
}

export function YamlView({ object }) {
  const secret = object.kind === 'Secret';
  const [reveal, setReveal] = useState(false);
  const text = useMemo(() => toYAML(object, { reveal }), [object, reveal]);
  const download = () => save(`${object.metadata.name}.yaml`, text, 'application/yaml');
  return (
    <div className="yaml card" data-testid="yaml">
      <div className="yaml-bar">
        <span className="muted small">{object.apiVersion} · {object.kind}</span>
        <span className="spacer" />
        {secret && (
          <button type="button" className="btn" onClick={() => setReveal(!reveal)} data-testid="yaml-reveal">
            {reveal ? 'Hide values' : 'Show values'}
          </button>
        )}
        <button type="button" className="btn" onClick={() => navigator.clipboard?.writeText(text)}>
          Copy
        </button>
        <button type="button" className="btn" onClick={download}>
          Download
        </button>
      </div>
      <pre className="yaml-text" data-testid="yaml-text">
        {text.replace(/\n$/, '').split('\n').map((l, i) => (
          <div key={i} className="y-line">
            <Line text={l} />
          </div>
        ))}
      </pre>
    </div>
  );
}

/** save offers text as a file download. */
export function save(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
