CREATE TABLE `privacy_request_details` (
	`request_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`channel` text NOT NULL,
	`recorded_by` text,
	`verification_method` text,
	`rejection_reason` text,
	`decided_by` text,
	`decided_at` integer,
	`fields` text,
	`export_id` text,
	FOREIGN KEY (`request_id`) REFERENCES `privacy_requests`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `privacy_request_details_customer_idx` ON `privacy_request_details` (`customer_id`);