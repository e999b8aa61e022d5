/** The answer a webhook's caller gets from a `webhook.respond` node: status, headers, body. */
import { Badge, JsonView } from '../components/ui';

export interface WebhookReplyShape {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export function WebhookReply({ reply, title }: { reply: WebhookReplyShape; title: string }) {
  const headers = Object.entries(reply.headers ?? {});
  return (
    <div className="webhook-reply" data-testid="webhook-reply">
      <h4>
        {title} <Badge tone={reply.status < 400 ? 'ok' : 'bad'}>{reply.status}</Badge>
      </h4>
      {headers.length > 0 ? (
        <table className="table table-compact headers">
          <tbody>
            {headers.map(([name, value]) => (
              <tr key={name}>
                <td>
                  <code>{name}</code>
                </td>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <JsonView value={reply.body === '' ? null : reply.body} empty="empty body" />
    </div>
  );
}
