CREATE TABLE `apps` (
	`slug` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`jurisdiction` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `apps_customer_idx` ON `apps` (`customer_id`);