/** The editor's toolbar (name, save status, edit commands, enable switch, the dialogs' buttons) and its conflict banner. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { describeError } from '../api/errors';
import { useTRPC } from '../api/trpc';
import { Badge, Button, Link, useToast } from '../components/ui';
import { type AutosaveState, describeSave } from './autosave';

export type EditorDialog = 'publish' | 'versions' | 'help' | 'run' | null;

export interface EditorToolbarProps {
  readonly scenarioId: string;
  readonly name: string;
  readonly onName: (name: string) => void;
  readonly save: AutosaveState;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  readonly onTravel: (direction: 'undo' | 'redo') => void;
  readonly onLayout: () => void;
  readonly onFit: () => void;
  readonly enabled: boolean;
  readonly onEnabled: (enabled: boolean) => void;
  readonly publishedVersion: number;
  /** The draft starts with a manual trigger: the Run button is shown. */
  readonly manual: boolean;
  readonly dryRunOpen: boolean;
  readonly onToggleDryRun: () => void;
  readonly onDialog: (dialog: EditorDialog) => void;
}

export function EditorToolbar(props: EditorToolbarProps) {
  const { scenarioId, save, enabled, publishedVersion, onDialog } = props;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const setEnabledMutation = useMutation(trpc.scenarios.setEnabled.mutationOptions());
  const toggleEnabled = async (value: boolean) => {
    try {
      const updated = await setEnabledMutation.mutateAsync({ id: scenarioId, enabled: value });
      props.onEnabled(updated.enabled);
      void queryClient.invalidateQueries({ queryKey: trpc.scenarios.list.queryKey() });
      toast(
        updated.enabled
          ? publishedVersion > 0
            ? `Enabled: webhooks now start version ${publishedVersion}`
            : 'Enabled: it runs once a version is published'
          : 'Disabled: webhooks no longer start it',
        'ok',
      );
    } catch (error) {
      toast(describeError(error).message, 'bad');
    }
  };

  return (
    <div className="editor-toolbar">
      <Link route={{ name: 'scenarios', query: '' }} className="back-link">
        ← Scenarios
      </Link>
      <input
        className="scenario-name"
        aria-label="Scenario name"
        value={props.name}
        onChange={(event) => props.onName(event.target.value)}
      />
      <span className={`save-status save-${save.status}`} role="status" data-testid="save-status">
        {describeSave(save)}
      </span>
      <div className="toolbar-group">
        <Button small variant="ghost" onClick={() => props.onTravel('undo')} disabled={!props.canUndo} title="Undo (Ctrl/⌘ Z)">
          Undo
        </Button>
        <Button small variant="ghost" onClick={() => props.onTravel('redo')} disabled={!props.canRedo} title="Redo (Ctrl/⌘ Shift Z)">
          Redo
        </Button>
        <Button small variant="ghost" onClick={props.onLayout} title="Auto-layout (Shift L)">
          Layout
        </Button>
        <Button small variant="ghost" onClick={props.onFit} title="Fit view (F)">
          Fit
        </Button>
        <Button small variant="ghost" onClick={() => onDialog('help')} title="Keyboard shortcuts (?)">
          ?
        </Button>
      </div>
      <div className="toolbar-group toolbar-end">
        <label className="switch" title={enabled ? 'Webhooks start this scenario' : 'Webhooks do not start this scenario'}>
          <input
            type="checkbox"
            checked={enabled}
            disabled={setEnabledMutation.isPending}
            onChange={(event) => void toggleEnabled(event.target.checked)}
          />
          <span>{enabled ? 'Enabled' : 'Disabled'}</span>
        </label>
        {publishedVersion > 0 ? <Badge tone="ok">v{publishedVersion} live</Badge> : <Badge>not published</Badge>}
        <Button small onClick={() => onDialog('versions')}>
          History
        </Button>
        <Button small onClick={props.onToggleDryRun} aria-pressed={props.dryRunOpen}>
          Dry-run
        </Button>
        <Link route={{ name: 'runs', filters: { scenarioId } }} className="btn btn-secondary btn-sm">
          Runs
        </Link>
        {props.manual ? (
          <Button
            small
            onClick={() => onDialog('run')}
            title={publishedVersion > 0 ? `Run version ${publishedVersion} with an input` : 'Publish the scenario to run it'}
          >
            Run
          </Button>
        ) : null}
        <Button small variant="primary" onClick={() => onDialog('publish')}>
          Publish
        </Button>
      </div>
    </div>
  );
}

export function ConflictBanner({
  save,
  onReloadTheirs,
  onKeepMine,
}: {
  save: AutosaveState;
  onReloadTheirs: () => void;
  onKeepMine: () => void;
}) {
  if (save.status !== 'conflict') return null;
  return (
    <div className="banner banner-bad" role="alert">
      <span>
        Someone else saved this scenario
        {save.conflictRevision !== null ? ` (now revision ${save.conflictRevision})` : ''} while you were editing. Your
        changes are not saved yet.
      </span>
      <Button small onClick={onReloadTheirs}>
        Load their version
      </Button>
      <Button small variant="primary" onClick={onKeepMine}>
        Keep mine (overwrite)
      </Button>
    </div>
  );
}
