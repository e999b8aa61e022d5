import { APPROVAL_DECISIONS, type ApprovalDecision, FINAL_RUN_STATUSES } from '@weft/core';
import { verifyResumeToken } from '@weft/core/secrets';
import { findRun, findRunWaitOfLink, findRunWaitWorkspace, runWaitIdOf, toObjectId } from '@weft/db';
import express, { type Request, type Response, type Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { sendError } from '../errors.js';
import { isObjectIdString } from '../ids.js';
import { resumeWait } from '../run-waits.js';

const FINAL: ReadonlySet<string> = new Set(FINAL_RUN_STATUSES);

/** Who resumed a wait through its link: the link is the credential, it names no person. */
export const RESUME_LINK_BY = 'resume link';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .set('Referrer-Policy', 'no-referrer')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:40rem;margin:3rem auto">${body}</body></html>`,
    );
}

/** An HTML form post (a browser on the link's page) is answered with a page, anything else with JSON. */
const wantsHtml = (req: Request) => typeof req.is('application/x-www-form-urlencoded') === 'string';

const HTTP_STATUS = { not_found: 404, already_resolved: 409, expired: 410, run_finished: 409 } as const;

/**
 * `GET /resume/:token`: a page with the approval's question and Approve / Reject buttons (a GET
 * never decides: mail scanners and link previews open links). `POST /resume/:token` with
 * `{ decision, data? }` (JSON or a form) decides, once: a second post is 409 naming the first
 * decision, an expired link 410, a forged one 401. The token is the credential (signed, see
 * @weft/core/secrets); single use is the wait's compare-and-set.
 */
export function resumeRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const body = [
    express.json({ limit: deps.limits.jsonBodyLimitBytes }),
    express.urlencoded({ extended: false, limit: deps.limits.jsonBodyLimitBytes }),
  ];

  function claimsOf(req: Request<{ token: string }>, res: Response, html: boolean) {
    const check = verifyResumeToken(deps.keyring, req.params.token, deps.clock());
    if (check.ok && isObjectIdString(check.claims.runId)) return check.claims;
    const status = check.ok ? 401 : check.reason === 'expired' ? 410 : 401;
    const message = check.ok ? 'the resume link is malformed' : check.message;
    if (html) page(res, status, 'Resume link', `<p>${escapeHtml(message)}.</p>`);
    else sendError(res, status, check.ok ? 'malformed' : check.reason, message);
    return null;
  }

  router.get('/resume/:token', async (req: Request<{ token: string }>, res: Response) => {
    const claims = claimsOf(req, res, true);
    if (!claims) return;
    const { models } = deps.database;
    const runId = toObjectId(claims.runId, 'runId');
    const wait = await findRunWaitOfLink(models, runWaitIdOf(runId, claims.nodeId, claims.itemIndex));
    if (!wait) {
      page(res, 404, 'Resume link', '<p>This wait no longer exists.</p>');
      return;
    }
    const run = await findRun(models, wait.workspaceId, runId);
    const question = escapeHtml(wait.message ?? 'Approve this step?');
    if (wait.resolution) {
      const how = wait.resolution.timedOut
        ? 'It timed out'
        : `It was ${escapeHtml(wait.resolution.decision ?? 'decided')} by ${escapeHtml(wait.resolution.by ?? 'someone')}`;
      page(
        res,
        200,
        'Already decided',
        `<h1>${question}</h1><p>${how} at ${wait.resolvedAt?.toISOString()}.</p>`,
      );
      return;
    }
    if (!run || FINAL.has(run.status)) {
      page(
        res,
        409,
        'Run finished',
        `<p>The run has already finished (${escapeHtml(run?.status ?? 'removed')}).</p>`,
      );
      return;
    }
    const action = escapeHtml(req.originalUrl.split('?')[0]!);
    page(
      res,
      200,
      'Approval',
      `<h1>${question}</h1><p>Decide before ${wait.expiresAt.toISOString()}.</p><form method="post" action="${action}"><p><label>Comment <input name="comment"></label></p><button name="decision" value="approved">Approve</button> <button name="decision" value="rejected">Reject</button></form>`,
    );
  });

  router.post('/resume/:token', ...body, async (req: Request<{ token: string }>, res: Response) => {
    const html = wantsHtml(req);
    const claims = claimsOf(req, res, html);
    if (!claims) return;
    const input = (req.body ?? {}) as { decision?: unknown; data?: unknown; comment?: unknown };
    if (!(APPROVAL_DECISIONS as readonly unknown[]).includes(input.decision)) {
      const message = 'decision must be "approved" or "rejected"';
      if (html) page(res, 400, 'Resume link', `<p>${message}.</p>`);
      else sendError(res, 400, 'invalid_input', message, { field: 'decision' });
      return;
    }
    const { models } = deps.database;
    const runId = toObjectId(claims.runId, 'runId');
    const wait = await findRunWaitWorkspace(models, runWaitIdOf(runId, claims.nodeId, claims.itemIndex));
    const data = html
      ? typeof input.comment === 'string' && input.comment !== ''
        ? { comment: input.comment }
        : null
      : (input.data ?? null);
    const outcome = wait
      ? await resumeWait(deps, {
          workspaceId: wait.workspaceId,
          runId,
          nodeId: claims.nodeId,
          ...(claims.itemIndex === undefined ? {} : { itemIndex: claims.itemIndex }),
          decision: input.decision as ApprovalDecision,
          by: RESUME_LINK_BY,
          data,
        })
      : ({ ok: false, code: 'not_found', message: 'this wait no longer exists' } as const);
    if (!outcome.ok) {
      if (html) page(res, HTTP_STATUS[outcome.code], 'Resume link', `<p>${escapeHtml(outcome.message)}.</p>`);
      else sendError(res, HTTP_STATUS[outcome.code], outcome.code, outcome.message);
      return;
    }
    const resolution = outcome.wait.resolution!;
    if (html)
      page(
        res,
        200,
        'Thank you',
        `<p>Recorded: ${escapeHtml(resolution.decision ?? '')}. The run goes on.</p>`,
      );
    else
      res.status(200).json({
        runId: claims.runId,
        nodeId: claims.nodeId,
        ...(claims.itemIndex === undefined ? {} : { itemIndex: claims.itemIndex }),
        ...resolution,
        resolvedAt: outcome.wait.resolvedAt,
      });
  });
  return router;
}
