CREATE TABLE `newsletter_issue_batches` (
	`issue_id` text NOT NULL,
	`seq` integer NOT NULL,
	`customer_id` text NOT NULL,
	`sent` integer NOT NULL,
	`skipped` integer NOT NULL,
	`done_at` integer NOT NULL,
	PRIMARY KEY(`issue_id`, `seq`),
	FOREIGN KEY (`issue_id`) REFERENCES `newsletter_issues`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `link_origin` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `batches` integer;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `batches_done` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `sent` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `skipped` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `newsletter_issues` ADD `completed_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `newsletter_deliveries_issue_uq` ON `newsletter_deliveries` (`issue_id`,`subscription_id`);--> statement-breakpoint
-- Issues sent before the queue (decision 0038) went out inline and completely: record them as done.
UPDATE `newsletter_issues` SET `batches` = 0, `sent` = `recipients`, `completed_at` = `sent_at` WHERE `batches` IS NULL;
