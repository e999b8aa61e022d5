import { getNodeDefinition, type HttpPage, type LoopItem, type Step } from '@weft/core';
import { type Models, saveHttpPages, saveLoopItems, saveSteps } from '@weft/db';
import type { Types } from 'mongoose';
import { recordStep } from '../observability/metrics.js';

/** Whether a step may wait for the next write instead of being written now. */
export function isDeferrable(step: Step): boolean {
  if (step.status === 'skipped') return true;
  return getNodeDefinition(step.nodeType)?.effects === false && step.status !== 'waiting';
}

/**
 * A run's step writes. A step of a pure node (and any skipped step) is kept back and written with
 * the next step that must be durable (a step of a node with effects, a waiting step) or when the
 * run settles (`flush`), so a run of transforms and conditions costs one write instead of two per
 * node. Nothing with an effect starts before every step before it is stored: the step of an
 * effectful node is written, with everything kept back, before the engine executes it. A crash
 * loses at most kept-back pure steps, which the resumed run simply executes again.
 *
 * Loop items (a for-each body's steps, stored beside the run) follow the same rule: an item is
 * kept back unless the body step that changed must be durable, and items kept back are written
 * before the run's steps, so a settled loop step never lands before its items.
 *
 * A fetched page of a paginated request is never kept back: the next page is requested only once
 * the page before it is stored, with everything kept back before it.
 *
 * Writes are applied in order (one at a time), so a later state of a step never loses to an
 * earlier one. A lost lease fails this write and every later one.
 */
export class StepWriter {
  private readonly pending = new Map<string, Step>();
  private readonly pendingItems = new Map<string, LoopItem>();
  private readonly pendingPages = new Map<string, HttpPage>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly models: Models,
    private readonly run: { readonly id: Types.ObjectId; readonly workspaceId: Types.ObjectId },
    private readonly owner: string,
    /** Every write extends the lease by this much (see `saveSteps`). */
    private readonly leaseMs: number,
  ) {}

  saveItem(item: LoopItem, changed?: Step): Promise<void> {
    if (changed) recordStep(changed);
    this.pendingItems.set(`${item.loopId}#${item.index}`, item);
    return changed === undefined || isDeferrable(changed) ? Promise.resolve() : this.flush();
  }

  savePage(page: HttpPage): Promise<void> {
    this.pendingPages.set(`${page.nodeId}#${page.itemIndex ?? ''}#${page.page}`, page);
    return this.flush();
  }

  save(step: Step): Promise<void> {
    recordStep(step);
    this.pending.set(step.nodeId, step);
    return isDeferrable(step) ? Promise.resolve() : this.flush();
  }

  /**
   * Waits for the writes under way, then hands over the steps kept back and forgets them: the
   * caller stores them with its own write (a finished run's last steps go with `finishRun`).
   */
  async takePending(): Promise<Step[]> {
    await this.chain;
    await this.writeBeside();
    const steps = [...this.pending.values()];
    this.pending.clear();
    return steps;
  }

  /** Writes everything kept back; resolves once it and every earlier write are stored. */
  flush(): Promise<void> {
    this.chain = this.chain.then(async () => {
      await this.writeBeside();
      if (this.pending.size === 0) return;
      const steps = [...this.pending.values()];
      this.pending.clear();
      await saveSteps(this.models, this.run.id, this.owner, steps, { leaseMs: this.leaseMs });
    });
    return this.chain;
  }

  /** Writes the loop items and pages kept back, which go before the run's steps. */
  private async writeBeside(): Promise<void> {
    if (this.pendingItems.size > 0) {
      const items = [...this.pendingItems.values()];
      this.pendingItems.clear();
      await saveLoopItems(this.models, this.run, this.owner, items, { leaseMs: this.leaseMs });
    }
    if (this.pendingPages.size > 0) {
      const pages = [...this.pendingPages.values()];
      this.pendingPages.clear();
      await saveHttpPages(this.models, this.run, this.owner, pages, { leaseMs: this.leaseMs });
    }
  }
}
