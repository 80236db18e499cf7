CREATE TABLE `master_data_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`entity` text NOT NULL,
	`action` text NOT NULL,
	`object_id` text NOT NULL,
	`related_id` text,
	`occurred_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `master_data_changes_customer_idx` ON `master_data_changes` (`customer_id`,`occurred_at`);