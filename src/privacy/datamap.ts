import { ROOM_DATA_MAP } from "../../durable-objects/room-datamap";
import {
  announcementAcksMap,
  announcementReadsMap,
  announcementsMap,
  announcementTargetsMap,
} from "../db/schema/announcements";
import { apiClientsMap, oauthRefreshTokensMap } from "../db/schema/api-clients";
import { authTokensMap, outboxMap, sessionsMap, throttlesMap } from "../db/schema/auth";
import { masterDataChangesMap } from "../db/schema/changes";
import { customersMap, microAppsMap } from "../db/schema/customers";
import { apiClientRoutesMap, appsMap } from "../db/schema/directory";
import { documentBuildingsMap, documentsMap } from "../db/schema/documents";
import { privacyRequestDetailsMap } from "../db/schema/dsr-details";
import { buildingsMap, propertiesMap, unitsMap } from "../db/schema/estate";
import { dataExportsMap } from "../db/schema/exports";
import { filesMap } from "../db/schema/files";
import { idempotencyKeysMap } from "../db/schema/idempotency";
import { moderationLogMap, moderationReportsMap } from "../db/schema/moderation";
import {
  newsletterDeliveriesMap,
  newsletterIssueBatchesMap,
  newsletterIssuesMap,
  newsletterSubscriptionsMap,
  newsletterSubscriptionTopicsMap,
  newsletterTopicsMap,
} from "../db/schema/newsletter";
import { notificationItemsMap, notificationPreferencesMap } from "../db/schema/notifications";
import { accessRequestsMap, activationCodesMap, activationCodeTenanciesMap } from "../db/schema/onboarding";
import { roleAssignmentsMap, tenanciesMap, tenancyMembersMap, usersMap } from "../db/schema/people";
import {
  consentsMap,
  erasureStepsMap,
  legalHoldsMap,
  privacyRequestEventsMap,
  privacyRequestsMap,
  processingRestrictionsMap,
} from "../db/schema/privacy";
import { roomParticipationMap } from "../db/schema/rooms";
import { staffInvitationsMap } from "../db/schema/staff-invitations";
import {
  serviceProvidersMap,
  ticketCategoriesMap,
  ticketEventsMap,
  ticketMessagesMap,
  ticketsMap,
  workOrderLinksMap,
} from "../db/schema/tickets";
import { webhookAttemptsMap, webhookDeliveriesMap, webhookEndpointsMap } from "../db/schema/webhooks";
import type { Store, TableMap } from "./classification";

/**
 * The one data map of every store. New tables (room SQLite included) add their map here; the
 * data-map test fails for any live table or column that is missing.
 */
export const DATA_MAP: readonly TableMap[] = [
  appsMap,
  customersMap,
  microAppsMap,
  propertiesMap,
  buildingsMap,
  unitsMap,
  usersMap,
  tenanciesMap,
  tenancyMembersMap,
  roleAssignmentsMap,
  sessionsMap,
  authTokensMap,
  outboxMap,
  throttlesMap,
  activationCodesMap,
  activationCodeTenanciesMap,
  accessRequestsMap,
  staffInvitationsMap,
  roomParticipationMap,
  announcementsMap,
  announcementTargetsMap,
  announcementReadsMap,
  announcementAcksMap,
  moderationReportsMap,
  moderationLogMap,
  notificationPreferencesMap,
  notificationItemsMap,
  dataExportsMap,
  masterDataChangesMap,
  idempotencyKeysMap,
  webhookEndpointsMap,
  webhookDeliveriesMap,
  webhookAttemptsMap,
  privacyRequestsMap,
  privacyRequestEventsMap,
  privacyRequestDetailsMap,
  erasureStepsMap,
  legalHoldsMap,
  processingRestrictionsMap,
  consentsMap,
  // Rows that reference a subscription come before it: erasure deletes in this order.
  newsletterTopicsMap,
  newsletterIssuesMap,
  newsletterIssueBatchesMap,
  newsletterDeliveriesMap,
  newsletterSubscriptionTopicsMap,
  newsletterSubscriptionsMap,
  apiClientRoutesMap,
  apiClientsMap,
  oauthRefreshTokensMap,
  ticketCategoriesMap,
  serviceProvidersMap,
  ticketsMap,
  ticketMessagesMap,
  ticketEventsMap,
  workOrderLinksMap,
  filesMap,
  documentsMap,
  documentBuildingsMap,
  ...ROOM_DATA_MAP,
];

export function tablesOf(store: Store): readonly TableMap[] {
  return DATA_MAP.filter((t) => t.store === store);
}

/** Rows for the record of processing activities (R-P13): one per classified column. */
export function processingRecord() {
  return DATA_MAP.flatMap((t) =>
    Object.entries(t.columns).map(([column, c]) => ({ store: t.store, table: t.table, column, ...c })),
  );
}
