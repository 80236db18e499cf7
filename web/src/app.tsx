import { signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { LOCALES, type Locale } from "../../src/shared/locales";
import { ApiError, api, type Building, type Me } from "./api";
import { AccountMenu } from "./features/account/account-menu";
import { Admin } from "./features/admin/admin";
import { ConsentFooter, ConsentPanel } from "./features/consent/consent";
import { ThemeSwitch } from "./features/consent/theme-switch";
import { Apartment } from "./features/documents/apartment";
import { Information } from "./features/documents/information";
import { Manage } from "./features/manage";
import { Privacy } from "./features/privacy";
import { RoomView } from "./features/room";
import { locale, t } from "./i18n";

const LANGUAGE_NAMES: Record<Locale, string> = { de: "Deutsch", fr: "Français", it: "Italiano", en: "English" };
export type Section =
  | "pinboard"
  | "chat"
  | "neighbours"
  | "tickets"
  | "information"
  | "apartment"
  | "manage"
  | "admin"
  | "privacy";
const SECTIONS: Section[] = [
  "pinboard",
  "chat",
  "neighbours",
  "tickets",
  "information",
  "apartment",
  "manage",
  "admin",
  "privacy",
];
/** Sections that are a customer's micro-app: shown only when it is on, under the name it was given. */
const SECTION_APP: Partial<Record<Section, string>> = {
  pinboard: "pinboard",
  neighbours: "my-neighbours",
  tickets: "service-center",
  information: "information",
  apartment: "my-apartment",
};

/** The building chat is part of My Neighbours (R-M8): shown with it, under its own name. */
const SECTION_GATE: Partial<Record<Section, string>> = { ...SECTION_APP, chat: "my-neighbours" };

/** The micro-apps on in a building, as the server computed them for /api/me (decision 0040). */
const appsIn = (who: Me, buildingId: string | undefined) =>
  who.buildingApps.find((g) => buildingId !== undefined && g.buildingIds.includes(buildingId))?.apps ?? [];

/** A section's name: the name of its micro-app in this building (the customer's own), else the catalogue's. */
export function sectionLabel(who: Me, s: Section, buildingId: string | undefined): string {
  const key = SECTION_APP[s];
  const app = key ? appsIn(who, buildingId).find((a) => a.key === key) : undefined;
  return app?.name ?? t(s);
}
const sectionOn = (who: Me, s: Section, buildingId: string | undefined) => {
  const key = SECTION_GATE[s];
  return !key || appsIn(who, buildingId).some((a) => a.key === key);
};

const me = signal<Me | null>(null);
const buildings = signal<Building[] | null>(null);
const failed = signal(false);
const route = signal(parseRoute());

/** `/app/<buildingId>/<section>`; missing parts fall back to the first building and the pinboard. */
function parseRoute(): { buildingId: string | null; section: Section } {
  const [, , buildingId, section] = location.pathname.split("/").map(decodeURIComponent);
  return {
    buildingId: buildingId || null,
    section: SECTIONS.includes(section as Section) ? (section as Section) : "pinboard",
  };
}

export function navigate(buildingId: string, section: Section) {
  history.pushState(null, "", `/app/${encodeURIComponent(buildingId)}/${section}`);
  route.value = { buildingId, section };
}
addEventListener("popstate", () => {
  route.value = parseRoute();
});

async function boot() {
  try {
    const who = await api<Me>("/api/me");
    locale.value = who.locale;
    document.documentElement.lang = who.locale;
    me.value = who;
    buildings.value = await api<Building[]>("/api/buildings");
  } catch (e) {
    // Not logged in: the account pages (login, registration) are served at the root.
    if (e instanceof ApiError && e.status === 401) location.assign("/");
    else failed.value = true;
  }
}

async function changeLanguage(next: Locale) {
  locale.value = next;
  document.documentElement.lang = next;
  await api("/api/me", { method: "PATCH", json: { locale: next } }).catch(() => undefined);
}

export function App() {
  useEffect(() => {
    void boot();
  }, []);
  document.title = t("appTitle");
  if (failed.value) return <p role="alert">{t("errorGeneric")}</p>;
  const who = me.value;
  const list = buildings.value;
  if (!who || !list) return <p aria-busy="true">{t("loading")}</p>;
  const current = list.find((b) => b.id === route.value.buildingId) ?? list[0];
  const managing = !!current && who.roles.managedBuildingIds.includes(current.id);
  const living = !!current && who.memberships.some((m) => m.buildingId === current.id);
  // Direct messages and profiles are between residents; the console is for the building's managers.
  // Documents (R-M4, R-M5) are for the building's residents and its managers.
  const sections = SECTIONS.filter(
    (s) =>
      (s !== "manage" || managing) &&
      (s !== "neighbours" || living) &&
      (s !== "admin" || who.roles.admin) &&
      ((s !== "information" && s !== "apartment") || living || managing),
  ).filter((s) => sectionOn(who, s, current?.id));
  const section = sections.includes(route.value.section) ? route.value.section : (sections[0] ?? "privacy");
  return (
    <>
      <a class="skip" href="#main">
        {t("skipToContent")}
      </a>
      <ConsentPanel />
      <header class="top">
        <strong class="brand">{who.customer.name}</strong>
        {list.length > 1 && current ? (
          <label class="inline">
            {t("building")}{" "}
            <select value={current.id} onChange={(e) => navigate(e.currentTarget.value, section)}>
              {list.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label class="inline">
          {t("language")}{" "}
          <select value={locale.value} onChange={(e) => void changeLanguage(e.currentTarget.value as Locale)}>
            {LOCALES.map((l) => (
              <option key={l} value={l} lang={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>
        <ThemeSwitch />
        <AccountMenu me={who} />
      </header>
      {current ? (
        <>
          <nav aria-label={t("mainNav")} class="tabs">
            {sections.map((s) => (
              <a
                key={s}
                href={`/app/${encodeURIComponent(current.id)}/${s}`}
                aria-current={s === section ? "page" : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(current.id, s);
                }}
              >
                {sectionLabel(who, s, current.id)}
              </a>
            ))}
          </nav>
          <main id="main" tabIndex={-1}>
            <h1 class="visually-hidden">
              {current.name}, {sectionLabel(who, section, current.id)}
            </h1>
            <p class="address">
              {current.name === current.street ? "" : `${current.name}, `}
              {current.street}, {current.postalCode} {current.city}
            </p>
            {section === "manage" ? (
              <Manage key={current.id} building={current} />
            ) : section === "admin" ? (
              <Admin
                buildings={list}
                onApps={() => {
                  // The tabs follow at once: the server computes the apps of each building again.
                  void api<Me>("/api/me")
                    .then((m) => {
                      me.value = m;
                    })
                    .catch(() => undefined);
                }}
              />
            ) : section === "information" ? (
              <Information
                key={current.id}
                building={current}
                buildings={list}
                managing={managing}
                managedBuildingIds={who.roles.managedBuildingIds}
              />
            ) : section === "apartment" ? (
              <Apartment key={current.id} buildingId={current.id} me={who} managing={managing} />
            ) : section === "privacy" ? (
              <Privacy />
            ) : (
              <RoomView key={current.id} buildingId={current.id} me={who} section={section} />
            )}
          </main>
        </>
      ) : (
        <main id="main">
          <p>{t("noBuilding")}</p>
          {/* The ways into a building are the account pages (decision 0026). */}
          <ul>
            <li>
              <a href={`/signup?lang=${locale.value}`}>{t("enterCode")}</a>
            </li>
            <li>
              <a href={`/request-access?lang=${locale.value}`}>{t("askForAccess")}</a>
            </li>
          </ul>
          {/* Without a building the account still has data: see, download, restrict, delete (R-P1–R-P4). */}
          <Privacy />
        </main>
      )}
      <ConsentFooter />
    </>
  );
}
