CREATE TABLE `announcement_acks` (
	`announcement_id` text NOT NULL,
	`unit_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`user_id` text NOT NULL,
	`acked_at` integer NOT NULL,
	PRIMARY KEY(`announcement_id`, `unit_id`),
	FOREIGN KEY (`announcement_id`) REFERENCES `announcements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `announcement_acks_user_idx` ON `announcement_acks` (`user_id`);--> statement-breakpoint
CREATE TABLE `announcement_reads` (
	`announcement_id` text NOT NULL,
	`user_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`read_at` integer NOT NULL,
	PRIMARY KEY(`announcement_id`, `user_id`),
	FOREIGN KEY (`announcement_id`) REFERENCES `announcements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `announcement_reads_user_idx` ON `announcement_reads` (`user_id`);--> statement-breakpoint
CREATE TABLE `announcement_targets` (
	`announcement_id` text NOT NULL,
	`building_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`delivery_state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`delivered_seq` integer,
	`next_attempt_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`announcement_id`, `building_id`),
	FOREIGN KEY (`announcement_id`) REFERENCES `announcements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`building_id`) REFERENCES `buildings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `announcement_targets_building_idx` ON `announcement_targets` (`building_id`);--> statement-breakpoint
CREATE INDEX `announcement_targets_retry_idx` ON `announcement_targets` (`delivery_state`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `announcements` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`author_id` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`target_type` text NOT NULL,
	`target_ids` text NOT NULL,
	`ack_required` integer NOT NULL,
	`state` text NOT NULL,
	`publish_at` integer NOT NULL,
	`pinned_until` integer,
	`published_at` integer,
	`withdrawn_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `announcements_customer_idx` ON `announcements` (`customer_id`,`publish_at`);--> statement-breakpoint
CREATE INDEX `announcements_due_idx` ON `announcements` (`state`,`publish_at`);--> statement-breakpoint
CREATE INDEX `announcements_author_idx` ON `announcements` (`author_id`);--> statement-breakpoint
CREATE TABLE `moderation_log` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`building_id` text NOT NULL,
	`post_id` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`reports` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`building_id`) REFERENCES `buildings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`actor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `moderation_log_building_idx` ON `moderation_log` (`building_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `moderation_log_actor_idx` ON `moderation_log` (`actor_id`);--> statement-breakpoint
CREATE INDEX `moderation_log_created_idx` ON `moderation_log` (`created_at`);--> statement-breakpoint
CREATE TABLE `moderation_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`building_id` text NOT NULL,
	`post_id` text NOT NULL,
	`reporter_id` text NOT NULL,
	`reason` text NOT NULL,
	`note` text,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`building_id`) REFERENCES `buildings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reporter_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `moderation_reports_open_uq` ON `moderation_reports` (`post_id`,`reporter_id`) WHERE "moderation_reports"."status" = 'open';--> statement-breakpoint
CREATE INDEX `moderation_reports_building_idx` ON `moderation_reports` (`building_id`,`status`);--> statement-breakpoint
CREATE INDEX `moderation_reports_reporter_idx` ON `moderation_reports` (`reporter_id`);--> statement-breakpoint
CREATE INDEX `moderation_reports_closed_idx` ON `moderation_reports` (`closed_at`);--> statement-breakpoint
CREATE TABLE `notification_items` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`user_id` text NOT NULL,
	`building_id` text NOT NULL,
	`category` text NOT NULL,
	`ref_type` text NOT NULL,
	`ref_id` text NOT NULL,
	`mode` text NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	`due_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`building_id`) REFERENCES `buildings`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_items_ref_uq` ON `notification_items` (`user_id`,`ref_type`,`ref_id`);--> statement-breakpoint
CREATE INDEX `notification_items_due_idx` ON `notification_items` (`state`,`due_at`);--> statement-breakpoint
CREATE INDEX `notification_items_recent_idx` ON `notification_items` (`user_id`,`category`,`sent_at`);--> statement-breakpoint
CREATE INDEX `notification_items_created_idx` ON `notification_items` (`created_at`);--> statement-breakpoint
CREATE TABLE `notification_preferences` (
	`user_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`announcements` text NOT NULL,
	`messages` text NOT NULL,
	`pinboard` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
