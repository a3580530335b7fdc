// Page-wide keys: '/' focuses the page's filter, Escape closes the topmost
// panel. Keys typed into a field or the terminal are left alone.
import { useEffect, useRef } from 'react';

const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.closest?.('.xterm'));

/** useKeyboard installs the page-wide keys; onEscape returns false when it closed nothing. */
export function useKeyboard({ onEscape }) {
  const esc = useRef(onEscape);
  esc.current = onEscape;
  useEffect(() => {
    const onKey = (e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '/' && !typing(e.target)) {
        const f = document.querySelector('[data-filter]');
        if (f) {
          e.preventDefault();
          f.focus();
          f.select();
        }
      } else if (e.key === 'Escape') {
        if (document.querySelector('[role=dialog]')) return; // the dialog closes itself
        if (typing(e.target) && e.target.matches('[data-filter]') && e.target.value) return; // the browser clears the search
        if (esc.current() !== false) e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
