import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal dialog on the native <dialog> (the browser traps focus, Esc closes it, the page behind is inert).
 * Esc is kept from the window's listeners, so it closes only the dialog, not the photo detail behind it.
 */
export function Modal({ title, onClose, children, testId }: { title: string; onClose: () => void; children: ReactNode; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-label={title}
      data-testid={testId}
      onClose={onClose}
      onKeyDown={(e) => {
        if (e.key === 'Escape') e.stopPropagation();
      }}
      // A click on the backdrop (the dialog element itself, outside its content) closes it.
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="modal-body">
        <div className="modal-head">
          <h3>{title}</h3>
          <button className="ghost" aria-label="Close" onClick={onClose}>×</button>
        </div>
        {children}
      </div>
    </dialog>
  );
}
