import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import {
  DEFAULT_VOCABULARY,
  IApplied,
  isSkipped,
  ISuggestion,
  normalizeVocabulary,
  saveProblem,
  SEVERITIES,
  stageNameProblem
} from './logic';
import { PromotionPanel } from './panel';
import { postAPI } from './request';
import {
  applySuggestions,
  cellTags,
  CUSTOM,
  renderStageMarkers,
  revertSuggestions,
  setCellStage,
  setCellTags,
  StageSelector
} from './tagging';

const TAGGING = 'nbpromote:tagging';
const PANEL = 'nbpromote:panel';

/** Command ids (also in the command palette under "nbpromote"). */
export namespace CommandIDs {
  export const setStage = 'nbpromote:set-stage';
  export const suggestTags = 'nbpromote:suggest-tags';
  export const lint = 'nbpromote:lint';
  export const exportPipeline = 'nbpromote:export';
  export const openPanel = 'nbpromote:open-panel';
}

const CATEGORY = 'nbpromote';

/**
 * Stage tagging: the toolbar's stage selector, coloured stage markers on every cell, and the
 * "suggest tags" command that applies the server's suggestions for review.
 */
const tagging: JupyterFrontEndPlugin<void> = {
  id: TAGGING,
  description: 'Tag notebook cells with pipeline stages (stage:<name>) and show each cell\'s stage.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ) => {
    let vocabulary = [...DEFAULT_VOCABULARY];
    const selectors = new Map<NotebookPanel, StageSelector>();
    const pending = new Set<NotebookPanel>();

    // Marker updates are batched per animation frame: a paste of 100 cells redraws once.
    const schedule = (panel: NotebookPanel) => {
      if (pending.has(panel)) {
        return;
      }
      pending.add(panel);
      requestAnimationFrame(() => {
        pending.delete(panel);
        if (!panel.isDisposed) {
          renderStageMarkers(panel, vocabulary);
          selectors.get(panel)?.sync();
        }
      });
    };

    const pick = async (panel: NotebookPanel, value: string | null) => {
      const cell = panel.content.activeCell;
      if (!cell) {
        return;
      }
      let stage = value;
      if (value === CUSTOM) {
        // An invalid name keeps the dialog up, with the reason and the name as typed.
        let problem: string | null = null;
        let typed = '';
        let answer: Dialog.IResult<string>;
        for (;;) {
          answer = await InputDialog.getText({
            title: 'Custom pipeline stage',
            label: problem ?? 'Stage name (written as the tag stage:<name>)',
            placeholder: 'e.g. report',
            text: typed
          });
          if (!answer.button.accept || answer.value === null) {
            selectors.get(panel)?.sync();
            return;
          }
          typed = answer.value;
          problem = stageNameProblem(typed);
          if (problem === null) {
            break;
          }
        }
        stage = answer.value.trim();
      }
      const tags = cellTags(cell);
      if (stage !== null && isSkipped(tags)) {
        // skip wins over a stage tag (as in export): setting a stage alone would change nothing.
        const result = await showDialog({
          title: 'This cell is tagged skip',
          body:
            `Export leaves cells tagged skip out, even with a stage tag. Drop skip so the cell ` +
            `joins stage "${stage}"?`,
          buttons: [
            Dialog.cancelButton(),
            Dialog.okButton({ label: 'Drop skip and set stage' })
          ]
        });
        if (!result.button.accept) {
          selectors.get(panel)?.sync();
          return;
        }
        setCellTags(cell, tags.filter(tag => tag !== 'skip'));
      }
      setCellStage(cell, stage);
      schedule(panel);
    };

    tracker.widgetAdded.connect((_, panel) => {
      const selector = new StageSelector(panel, value => void pick(panel, value));
      selector.setVocabulary(vocabulary);
      selectors.set(panel, selector);
      panel.toolbar.insertItem(10, 'nbpromote-stage', selector);
      const watch = () => {
        for (const cell of panel.content.widgets) {
          // connect() ignores a duplicate (same slot, same thisArg), so re-running is safe.
          cell.model.metadataChanged.connect(() => schedule(panel), panel);
        }
        schedule(panel);
      };
      void panel.context.ready.then(() => {
        watch();
        panel.content.model?.cells.changed.connect(watch);
      });
      panel.disposed.connect(() => {
        selectors.delete(panel);
      });
    });

    app.commands.addCommand(CommandIDs.setStage, {
      label: args => (args.stage ? `Set Cell Stage: ${args.stage}` : 'Clear Cell Stage'),
      caption: 'Write the stage:<name> tag of the active cell (other tags are kept)',
      isEnabled: () => !!tracker.activeCell,
      execute: args => {
        const panel = tracker.currentWidget;
        if (panel) {
          return pick(panel, typeof args.stage === 'string' && args.stage ? args.stage : null);
        }
      }
    });

    app.commands.addCommand(CommandIDs.suggestTags, {
      label: 'Suggest Stage Tags',
      caption: 'Apply nbpromote\'s tag suggestions to the notebook for review',
      isEnabled: () => !!tracker.currentWidget,
      execute: async (): Promise<IApplied[] | undefined> => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return undefined;
        }
        const problem = saveProblem(panel.context.path, panel.context.model.dirty, 'suggest-tags');
        if (problem) {
          throw new Error(problem);
        }
        const reply = await postAPI<{ suggestions: ISuggestion[] }>('suggest-tags', {
          path: panel.context.path
        });
        const applied = applySuggestions(panel, reply.suggestions ?? []);
        schedule(panel);
        return applied;
      }
    });

    if (palette) {
      for (const stage of DEFAULT_VOCABULARY) {
        palette.addItem({ command: CommandIDs.setStage, category: CATEGORY, args: { stage } });
      }
      palette.addItem({ command: CommandIDs.setStage, category: CATEGORY, args: { stage: '' } });
      palette.addItem({ command: CommandIDs.suggestTags, category: CATEGORY });
    }

    if (settingRegistry) {
      void settingRegistry.load(TAGGING).then(settings => {
        const update = () => {
          vocabulary = normalizeVocabulary(settings.get('vocabulary').composite as string[]);
          for (const [panel, selector] of selectors) {
            selector.setVocabulary(vocabulary);
            schedule(panel);
          }
        };
        settings.changed.connect(update);
        update();
      });
    }
  }
};

/**
 * The Promotion panel in the right sidebar, with the Lint and Export commands.
 */
const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: PANEL,
  description: 'Right-sidebar Promotion panel: stages, lint findings, provenance, lint and export.',
  autoStart: true,
  requires: [INotebookTracker, ILabShell],
  optional: [ISettingRegistry, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    shell: ILabShell,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ) => {
    const panel = new PromotionPanel(
      async () => (await app.commands.execute(CommandIDs.suggestTags)) as IApplied[] | undefined,
      applied => {
        const notebook = tracker.currentWidget;
        return notebook ? revertSuggestions(notebook, applied) : 0;
      },
      path => void app.commands.execute('filebrowser:go-to-path', { path, dontShowBrowser: false })
    );
    shell.add(panel, 'right', { rank: 650 });
    tracker.currentChanged.connect((_, current) => panel.setNotebook(current));
    panel.setNotebook(tracker.currentWidget);

    app.commands.addCommand(CommandIDs.lint, {
      label: 'Lint Notebook for Leakage',
      caption: 'Run nbpromote lint on the saved notebook and show the findings',
      isEnabled: () => !!tracker.currentWidget,
      execute: async () => {
        shell.activateById(panel.id);
        await panel.lint();
      }
    });
    app.commands.addCommand(CommandIDs.exportPipeline, {
      label: 'Export Notebook to Pipeline Package',
      caption: 'Export the saved notebook\'s tagged stages to a pipeline package',
      isEnabled: () => !!tracker.currentWidget,
      execute: async () => {
        shell.activateById(panel.id);
        await panel.export();
      }
    });
    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Open Promotion Panel',
      execute: () => shell.activateById(panel.id)
    });
    if (palette) {
      for (const command of [CommandIDs.lint, CommandIDs.exportPipeline, CommandIDs.openPanel]) {
        palette.addItem({ command, category: CATEGORY });
      }
    }

    if (settingRegistry) {
      void Promise.all([settingRegistry.load(PANEL), settingRegistry.load(TAGGING)]).then(
        ([own, tags]) => {
          const update = () => {
            const threshold = own.get('severityThreshold').composite as string;
            panel.settings = {
              liveLint: own.get('liveLint').composite === true,
              severityThreshold: SEVERITIES.includes(threshold) ? threshold : 'info',
              vocabulary: normalizeVocabulary(tags.get('vocabulary').composite as string[])
            };
            panel.render();
          };
          own.changed.connect(update);
          tags.changed.connect(update);
          update();
        }
      );
    }
  }
};

export default [tagging, panelPlugin];
