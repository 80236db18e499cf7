CREATE TABLE `newsletter_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`issue_id` text NOT NULL,
	`subscription_id` text NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`sent_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`issue_id`) REFERENCES `newsletter_issues`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscription_id`) REFERENCES `newsletter_subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `newsletter_deliveries_token_uq` ON `newsletter_deliveries` (`token_hash`);--> statement-breakpoint
CREATE INDEX `newsletter_deliveries_subscription_idx` ON `newsletter_deliveries` (`subscription_id`);--> statement-breakpoint
CREATE INDEX `newsletter_deliveries_user_idx` ON `newsletter_deliveries` (`user_id`);--> statement-breakpoint
CREATE TABLE `newsletter_issues` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`topic_id` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`recipients` integer NOT NULL,
	`sent_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`topic_id`) REFERENCES `newsletter_topics`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `newsletter_issues_customer_idx` ON `newsletter_issues` (`customer_id`,`sent_at`);--> statement-breakpoint
CREATE TABLE `newsletter_subscription_topics` (
	`subscription_id` text NOT NULL,
	`topic_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`subscription_id`, `topic_id`),
	FOREIGN KEY (`subscription_id`) REFERENCES `newsletter_subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`topic_id`) REFERENCES `newsletter_topics`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `newsletter_subscription_topics_topic_idx` ON `newsletter_subscription_topics` (`topic_id`);--> statement-breakpoint
CREATE INDEX `newsletter_subscription_topics_user_idx` ON `newsletter_subscription_topics` (`user_id`);--> statement-breakpoint
CREATE TABLE `newsletter_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`signup_ip` text NOT NULL,
	`signup_at` integer NOT NULL,
	`text_version` text NOT NULL,
	`confirm_token_hash` text,
	`confirm_expires_at` integer NOT NULL,
	`confirmed_at` integer,
	`confirm_ip` text,
	`ended_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `newsletter_subscriptions_open_uq` ON `newsletter_subscriptions` (`customer_id`,`user_id`) WHERE "newsletter_subscriptions"."status" in ('pending', 'confirmed');--> statement-breakpoint
CREATE UNIQUE INDEX `newsletter_subscriptions_token_uq` ON `newsletter_subscriptions` (`confirm_token_hash`);--> statement-breakpoint
CREATE INDEX `newsletter_subscriptions_user_idx` ON `newsletter_subscriptions` (`user_id`);--> statement-breakpoint
CREATE INDEX `newsletter_subscriptions_purge_idx` ON `newsletter_subscriptions` (`status`,`confirm_expires_at`);--> statement-breakpoint
CREATE INDEX `newsletter_subscriptions_ended_idx` ON `newsletter_subscriptions` (`status`,`ended_at`);--> statement-breakpoint
CREATE TABLE `newsletter_topics` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `newsletter_topics_customer_idx` ON `newsletter_topics` (`customer_id`);--> statement-breakpoint
ALTER TABLE `customers` ADD `tenancy_end_grace_days` integer DEFAULT 30 NOT NULL;