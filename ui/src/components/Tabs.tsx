import { useRef, type KeyboardEvent } from "react";
import "./Tabs.css";

export interface Tab<K extends string> {
  key: K;
  id: string;
  label: string;
  /** The id of the tabpanel this tab shows. */
  panelId: string;
}

/** The keys that move the selection, as the ARIA tabs pattern has them: to the next, previous, first, last tab. */
function nextIndex(key: string, i: number, count: number): number | null {
  if (key === "ArrowRight") return (i + 1) % count;
  if (key === "ArrowLeft") return (i - 1 + count) % count;
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  return null;
}

/**
 * A tablist: one tab selected and focusable (arrow keys, Home and End move the selection and the focus).
 * `segmented`: a compact switcher inside a form; `underline`: a panel's views.
 */
export function Tabs<K extends string>({
  tabs,
  selected,
  onSelect,
  label,
  look,
}: {
  tabs: Tab<K>[];
  selected: K;
  onSelect: (key: K) => void;
  label: string;
  look: "segmented" | "underline";
}) {
  const refs = useRef<Partial<Record<K, HTMLButtonElement | null>>>({});

  function onKeyDown(e: KeyboardEvent<HTMLButtonElement>) {
    const i = nextIndex(e.key, tabs.findIndex((t) => t.key === selected), tabs.length);
    if (i === null) return;
    e.preventDefault();
    const next = tabs[i].key;
    if (next !== selected) onSelect(next);
    refs.current[next]?.focus();
  }

  return (
    <div className={`tabs tabs-${look}`} role="tablist" aria-label={label}>
      {tabs.map((t) => (
        <button
          key={t.key}
          id={t.id}
          ref={(el) => {
            refs.current[t.key] = el;
          }}
          type="button"
          role="tab"
          className="tab"
          aria-selected={t.key === selected}
          aria-controls={t.panelId}
          tabIndex={t.key === selected ? 0 : -1}
          onClick={() => t.key !== selected && onSelect(t.key)}
          onKeyDown={onKeyDown}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
