import type { Building } from "../../api";
import { ApiClients } from "./api-clients";
import { AppsAdmin, type MicroApp } from "./apps";
import { DsrQueue } from "./dsr-queue";
import { NewsletterAdmin } from "./newsletter";
import { PrivacySettingsAdmin } from "./privacy-settings";
import { StaffAdmin } from "./staff";
import { TicketSetup } from "./ticket-setup";
import { Webhooks } from "./webhooks";

/** The customer admin's console: micro-apps, managers and roles, API clients, data subject requests. */
export function Admin({ buildings, onApps }: { buildings: Building[]; onApps: (apps: MicroApp[]) => void }) {
  return (
    <>
      <AppsAdmin onSaved={onApps} />
      <StaffAdmin buildings={buildings} />
      <TicketSetup />
      <ApiClients />
      <Webhooks />
      <DsrQueue />
      <NewsletterAdmin />
      <PrivacySettingsAdmin />
    </>
  );
}
