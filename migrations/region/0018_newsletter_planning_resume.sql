ALTER TABLE `newsletter_issues` ADD `plan_cursor` text;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `plan_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `planned_at` integer;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `plan_lease_owner` text;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `plan_lease_until` integer;--> statement-breakpoint
CREATE INDEX `newsletter_issues_planning_idx` ON `newsletter_issues` (`sent_at`) WHERE "newsletter_issues"."planned_at" is null;--> statement-breakpoint
-- Issues planned before resumable planning (decision 0038, session 6) were planned in one go: never replan them.
UPDATE `newsletter_issues` SET `planned_at` = `sent_at`, `plan_seq` = coalesce(`batches`, 0) WHERE `planned_at` IS NULL;
