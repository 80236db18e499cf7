CREATE TABLE `access_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`building_id` text NOT NULL,
	`unit_text` text NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`locale` text NOT NULL,
	`status` text NOT NULL,
	`verify_token_hash` text,
	`verified_at` integer,
	`decided_by` text,
	`decided_at` integer,
	`decision_reason` text,
	`code_id` text,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`building_id`) REFERENCES `buildings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `access_requests_queue_idx` ON `access_requests` (`customer_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `access_requests_expires_idx` ON `access_requests` (`expires_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `access_requests_token_uq` ON `access_requests` (`verify_token_hash`);--> statement-breakpoint
CREATE TABLE `activation_code_tenancies` (
	`code_id` text NOT NULL,
	`tenancy_id` text NOT NULL,
	`customer_id` text NOT NULL,
	PRIMARY KEY(`code_id`, `tenancy_id`),
	FOREIGN KEY (`code_id`) REFERENCES `activation_codes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenancy_id`) REFERENCES `tenancies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `activation_code_tenancies_tenancy_idx` ON `activation_code_tenancies` (`tenancy_id`);--> statement-breakpoint
CREATE TABLE `activation_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`code` text NOT NULL,
	`permanent` integer NOT NULL,
	`source` text NOT NULL,
	`created_by` text,
	`recipient_email` text,
	`recipient_name` text,
	`expires_at` integer NOT NULL,
	`sent_at` integer,
	`send_count` integer DEFAULT 0 NOT NULL,
	`used_at` integer,
	`use_count` integer DEFAULT 0 NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	`external_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `activation_codes_code_uq` ON `activation_codes` (`customer_id`,`code`);--> statement-breakpoint
CREATE INDEX `activation_codes_expires_idx` ON `activation_codes` (`expires_at`);--> statement-breakpoint
CREATE INDEX `activation_codes_used_idx` ON `activation_codes` (`used_at`);--> statement-breakpoint
CREATE INDEX `activation_codes_revoked_idx` ON `activation_codes` (`revoked_at`);--> statement-breakpoint
CREATE INDEX `activation_codes_created_by_idx` ON `activation_codes` (`created_by`);--> statement-breakpoint
CREATE UNIQUE INDEX `activation_codes_external_uq` ON `activation_codes` (`customer_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `outbox_created_idx` ON `outbox` (`created_at`);--> statement-breakpoint
CREATE INDEX `sessions_last_seen_idx` ON `sessions` (`last_seen_at`);