/**
 * The editor's keyboard shortcuts as data: which command a key press means. Inside a text field
 * only the commands that cannot clash with typing apply (save, dry-run); there undo is the
 * field's own.
 */

export type EditorCommand =
  | 'undo'
  | 'redo'
  | 'delete'
  | 'duplicate'
  | 'selectAll'
  | 'save'
  | 'fitView'
  | 'layout'
  | 'dryRun'
  | 'deselect'
  | 'help';

export interface KeyPress {
  readonly key: string;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
  readonly shiftKey?: boolean;
  readonly altKey?: boolean;
  /** The event's target is an input, a textarea, a select or contenteditable. */
  readonly inTextField?: boolean;
}

export function commandFor(press: KeyPress): EditorCommand | null {
  const mod = Boolean(press.ctrlKey || press.metaKey);
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (mod && key === 's') return 'save';
  if (mod && key === 'Enter') return 'dryRun';
  if (press.inTextField) return null;
  if (mod && key === 'z') return press.shiftKey ? 'redo' : 'undo';
  if (mod && key === 'y') return 'redo';
  if (mod && key === 'd') return 'duplicate';
  if (mod && key === 'a') return 'selectAll';
  if (mod || press.altKey) return null;
  if (key === 'Delete' || key === 'Backspace') return 'delete';
  if (key === 'Escape') return 'deselect';
  if (key === 'f') return 'fitView';
  if (key === 'l' && press.shiftKey) return 'layout';
  if (key === '?') return 'help';
  return null;
}

/** For the help overlay. */
export const SHORTCUTS: readonly { readonly keys: string; readonly what: string }[] = [
  { keys: 'Ctrl/⌘ Z', what: 'Undo' },
  { keys: 'Ctrl/⌘ Shift Z, Ctrl/⌘ Y', what: 'Redo' },
  { keys: 'Delete, Backspace', what: 'Delete the selection' },
  { keys: 'Ctrl/⌘ D', what: 'Duplicate the selected nodes' },
  { keys: 'Ctrl/⌘ A', what: 'Select everything' },
  { keys: 'Ctrl/⌘ S', what: 'Save now' },
  { keys: 'Ctrl/⌘ Enter', what: 'Dry-run' },
  { keys: 'F', what: 'Fit the view' },
  { keys: 'Shift L', what: 'Auto-layout' },
  { keys: 'Esc', what: 'Clear the selection' },
  { keys: 'Shift drag', what: 'Select an area' },
  { keys: '?', what: 'This help' },
];

export function isTextField(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'range', 'color'].includes(type);
}
