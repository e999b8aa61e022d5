/**
 * The editor's keyboard: a key press becomes a command (`shortcuts.ts`), run here. Off while a
 * dialog is open (the dialog has the keyboard then).
 */
import { useCallback, useEffect } from 'react';
import { duplicateNodes } from './graph-edit';
import { commandFor, type EditorCommand, isTextField } from './shortcuts';
import type { useEditorGraph } from './use-editor-graph';

export interface KeyboardActions {
  readonly deleteSelection: () => void;
  readonly save: () => void;
  readonly fitView: () => void;
  readonly layout: () => void;
  readonly dryRun: () => void;
  readonly help: () => void;
}

export function useEditorKeyboard(
  active: boolean,
  graph: Pick<ReturnType<typeof useEditorGraph>, 'nodesRef' | 'currentGraph' | 'applyGraph' | 'select' | 'travel'>,
  actions: KeyboardActions,
): void {
  const { nodesRef, currentGraph, applyGraph, select, travel } = graph;
  const { deleteSelection, save, fitView, layout, dryRun, help } = actions;
  const run = useCallback(
    (command: EditorCommand) => {
      switch (command) {
        case 'undo':
        case 'redo':
          travel(command);
          break;
        case 'delete':
          deleteSelection();
          break;
        case 'duplicate': {
          const ids = new Set(nodesRef.current.filter((n) => n.selected).map((n) => n.id));
          if (ids.size === 0) break;
          const { graph, newIds } = duplicateNodes(currentGraph(), ids);
          applyGraph(graph);
          select(newIds);
          break;
        }
        case 'selectAll':
          select(nodesRef.current.map((n) => n.id));
          break;
        case 'deselect':
          select([]);
          break;
        case 'save':
          save();
          break;
        case 'fitView':
          fitView();
          break;
        case 'layout':
          layout();
          break;
        case 'dryRun':
          dryRun();
          break;
        case 'help':
          help();
          break;
      }
    },
    [applyGraph, currentGraph, deleteSelection, dryRun, fitView, help, layout, nodesRef, save, select, travel],
  );

  useEffect(() => {
    if (!active) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const command = commandFor({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        shiftKey: event.shiftKey,
        altKey: event.altKey,
        inTextField: isTextField(event.target),
      });
      if (!command) return;
      event.preventDefault();
      run(command);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [active, run]);
}
