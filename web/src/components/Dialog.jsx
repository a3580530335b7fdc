// A modal dialog: Escape or Cancel closes it, the first field or button takes the focus.
import { useEffect, useRef } from 'react';

export function Dialog({ title, children, onClose, testid }) {
  const box = useRef(null);
  useEffect(() => {
    const prev = document.activeElement;
    box.current?.querySelector('input, button.btn-danger, button.btn-accent, button')?.focus();
    return () => prev?.focus?.();
  }, []);
  const onKey = (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
  };
  return (
    <div className="dialog-scrim" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog card" role="dialog" aria-modal="true" aria-label={title} ref={box} onKeyDown={onKey} data-testid={testid}>
        <h2 className="dialog-title">{title}</h2>
        {children}
      </div>
    </div>
  );
}
