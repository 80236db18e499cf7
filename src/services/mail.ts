import { and, desc, eq, lt } from "drizzle-orm";
import type { Deps } from "../app-env";
import { outbox } from "../db/schema/auth";
import type { Locale } from "../db/schema/customers";
import { type MailTemplate, renderMail } from "../i18n/mail";
import { newId } from "../lib/crypto";

export interface MailRequest {
  customerId: string;
  userId: string | null;
  to: string;
  locale: Locale;
  template: MailTemplate;
  vars: Record<string, string>;
}

/** The outbox row of a mail, rendered in the recipient's language (for callers that batch writes). */
export function mailRow(deps: Deps, m: MailRequest): typeof outbox.$inferInsert {
  const { subject, body } = renderMail(m.locale, m.template, m.vars);
  return {
    id: newId(),
    customerId: m.customerId,
    userId: m.userId,
    toAddress: m.to,
    template: m.template,
    locale: m.locale,
    subject,
    bodyText: body,
    createdAt: deps.now(),
  };
}

/**
 * Writes a mail to the jurisdiction's outbox. Under `npm start` the dev mail viewer shows it; the
 * outbox rows are purged after seven days.
 */
export async function queueMail(deps: Deps, m: MailRequest) {
  await deps.db.insert(outbox).values(mailRow(deps, m));
}

/** The newest mails of a customer's outbox (dev mail viewer and tests; development only). */
export async function listOutbox(
  deps: Deps,
  customerId: string,
  filter: { to?: string | undefined; before?: string | undefined } = {},
) {
  const conds = [eq(outbox.customerId, customerId)];
  if (filter.to) conds.push(eq(outbox.toAddress, filter.to.toLowerCase()));
  if (filter.before) conds.push(lt(outbox.createdAt, new Date(filter.before)));
  return deps.db
    .select()
    .from(outbox)
    .where(and(...conds))
    .orderBy(desc(outbox.createdAt))
    .limit(50);
}
