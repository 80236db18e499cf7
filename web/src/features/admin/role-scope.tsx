import type { Signal } from "@preact/signals";
import type { Building } from "../../api";
import { t } from "../../i18n";

export type StaffRole = "property_manager" | "customer_admin";

/**
 * The role and scope pickers of the staff forms (grant to an existing account, invite by e-mail): an
 * admin's scope is the customer; a manager's is a property or one building. The scope select is
 * named `scope` with values `customer`, `property:<id>` or `building:<id>`.
 */
export function RoleScopeFields(props: {
  idPrefix: string;
  role: Signal<StaffRole>;
  properties: { id: string; name: string }[];
  buildings: Building[];
}) {
  const { idPrefix, role } = props;
  return (
    <>
      <label for={`${idPrefix}-role`}>{t("role")}</label>
      <select
        id={`${idPrefix}-role`}
        value={role.value}
        onChange={(e) => {
          role.value = e.currentTarget.value as StaffRole;
        }}
      >
        <option value="property_manager">{t("role_property_manager")}</option>
        <option value="customer_admin">{t("role_customer_admin")}</option>
      </select>
      <label for={`${idPrefix}-scope`}>{t("scope")}</label>
      <select id={`${idPrefix}-scope`} name="scope">
        {role.value === "customer_admin" ? (
          <option value="customer">{t("scopeCustomer")}</option>
        ) : (
          <>
            <optgroup label={t("property")}>
              {props.properties.map((p) => (
                <option key={p.id} value={`property:${p.id}`}>
                  {p.name}
                </option>
              ))}
            </optgroup>
            <optgroup label={t("building")}>
              {props.buildings.map((b) => (
                <option key={b.id} value={`building:${b.id}`}>
                  {b.name}
                </option>
              ))}
            </optgroup>
          </>
        )}
      </select>
    </>
  );
}
