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

/**
 * Writes a mail to the jurisdiction's outbox. Under `npm start` the dev mail viewer shows it; the
 * outbox rows are purged after seven days.
 */
export async function queueMail(deps: Deps, m: MailRequest) {
  const { subject, body } = renderMail(m.locale, m.template, m.vars);
  await deps.db.insert(outbox).values({
    id: newId(),
    customerId: m.customerId,
    userId: m.userId,
    toAddress: m.to,
    template: m.template,
    locale: m.locale,
    subject,
    bodyText: body,
    createdAt: deps.now(),
  });
}
