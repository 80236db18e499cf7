import type { Building } from "../../api";
import { ApiClients } from "./api-clients";
import { AppsAdmin, type MicroApp } from "./apps";
import { DsrQueue } from "./dsr-queue";
import { StaffAdmin } from "./staff";

/** The customer admin's console: micro-apps, managers and roles, API clients, data subject requests. */
export function Admin({ buildings, onApps }: { buildings: Building[]; onApps: (apps: MicroApp[]) => void }) {
  return (
    <>
      <AppsAdmin onSaved={onApps} />
      <StaffAdmin buildings={buildings} />
      <ApiClients />
      <DsrQueue />
    </>
  );
}
