import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ApiError, api, type Building } from "../../api";
import { t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { formatDay } from "./day";
import { failed } from "./fail";
import { RoleScopeFields, type StaffRole } from "./role-scope";
import { InviteForm, PendingInvitations } from "./staff-invitations";

interface RoleRow {
  id: string;
  userId: string;
  name: string;
  email: string;
  role: "customer_admin" | "property_manager";
  scopeType: string;
  scopeId: string;
  startsOn: string;
  endsOn: string | null;
}
interface Property {
  id: string;
  name: string;
}

const today = () => new Date().toISOString().slice(0, 10);
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

/**
 * Customer admin: who manages what (GET /api/roles), ending a role (PATCH), giving one to an account
 * (POST /api/roles), and inviting new managers by e-mail with their pending invitations (decision 0039).
 */
export function StaffAdmin({ buildings }: { buildings: Building[] }) {
  const roles = useSignal<RoleRow[] | null>(null);
  const properties = useSignal<Property[]>([]);
  const message = useSignal("");
  /** Bumped after an invitation, so the pending list reloads. */
  const invitations = useSignal(0);
  const load = async () => {
    const [r, p] = await Promise.all([api<RoleRow[]>("/api/roles"), api<Property[]>("/api/properties")]);
    roles.value = r;
    properties.value = p;
  };
  useEffect(() => {
    load().catch((e) => {
      message.value = failed(e);
    });
  }, []);
  const scopeName = (r: Pick<RoleRow, "scopeType" | "scopeId">) => {
    if (r.scopeType === "customer") return t("scopeCustomer");
    if (r.scopeType === "property") return properties.value.find((p) => p.id === r.scopeId)?.name ?? r.scopeId;
    if (r.scopeType === "building") return buildings.find((b) => b.id === r.scopeId)?.name ?? r.scopeId;
    return r.scopeId;
  };
  const nameOf = (scopeType: string, scopeId: string) => scopeName({ scopeType, scopeId });
  const end = async (r: RoleRow) => {
    try {
      await api(`/api/roles/${encodeURIComponent(r.id)}`, { method: "PATCH", json: { endsOn: yesterday() } });
      message.value = t("saved");
      await load();
    } catch (e) {
      message.value = failed(e);
    }
  };
  return (
    <section aria-labelledby="staff-title">
      <h2 id="staff-title">{t("staffTitle")}</h2>
      <p class="status" role="status">
        {message.value}
      </p>
      {roles.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      <ul class="cards">
        {(roles.value ?? []).map((r) => {
          const active = r.endsOn === null || r.endsOn >= today();
          return (
            <li key={r.id} data-role={r.id} class={active ? "" : "ended"}>
              <p class="author">
                {r.name} <span class="meta">{r.email}</span>
              </p>
              <p>
                {t(`role_${r.role}` as MessageKey)} · {t("scope")} {scopeName(r)}
              </p>
              <p class="meta">
                {t("tenancyStart")} {formatDay(r.startsOn)}
                {r.endsOn ? ` · ${t("tenancyEnd")} ${formatDay(r.endsOn)}` : ""}
                {active ? "" : ` (${t("roleEnded")})`}
              </p>
              {active ? (
                <button type="button" class="secondary" onClick={() => void end(r)}>
                  {t("roleEnd")}
                  <span class="visually-hidden">: {r.name}</span>
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
      <GrantForm
        properties={properties.value}
        buildings={buildings}
        onGranted={async () => {
          message.value = t("saved");
          await load();
        }}
      />
      <InviteForm
        properties={properties.value}
        buildings={buildings}
        onChanged={async () => {
          invitations.value++;
          await load();
        }}
      />
      <PendingInvitations scopeName={nameOf} version={invitations.value} />
    </section>
  );
}

interface GrantProps {
  properties: Property[];
  buildings: Building[];
  onGranted(): Promise<void>;
}

function GrantForm(props: GrantProps) {
  const role = useSignal<StaffRole>("property_manager");
  const status = useSignal("");
  const submit = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const [scopeType, scopeId] = String(data.get("scope") ?? "customer").split(":");
    try {
      await api("/api/roles", {
        json: {
          email: String(data.get("email") ?? ""),
          role: role.value,
          scopeType,
          ...(scopeId ? { scopeId } : {}),
        },
      });
      form.reset();
      status.value = "";
      await props.onGranted();
    } catch (e) {
      status.value = e instanceof ApiError && e.code === "NOT_FOUND" ? t("grantNoAccount") : failed(e);
    }
  };
  return (
    <form
      class="compose"
      aria-labelledby="grant-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(e.currentTarget);
      }}
    >
      <h3 id="grant-title">{t("grantTitle")}</h3>
      <p class="meta" id="grant-hint">
        {t("grantHint")}
      </p>
      <label for="grant-email">{t("grantEmail")}</label>
      <input id="grant-email" name="email" type="email" required autoComplete="off" aria-describedby="grant-hint" />
      <RoleScopeFields idPrefix="grant" role={role} properties={props.properties} buildings={props.buildings} />
      <button type="submit">{t("grantButton")}</button>
      <p class="status" role="status">
        {status.value}
      </p>
    </form>
  );
}
