CREATE TABLE `document_buildings` (
	`document_id` text NOT NULL,
	`building_id` text NOT NULL,
	`customer_id` text NOT NULL,
	PRIMARY KEY(`document_id`, `building_id`),
	FOREIGN KEY (`document_id`) REFERENCES `documents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`building_id`) REFERENCES `buildings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `document_buildings_building_idx` ON `document_buildings` (`building_id`);--> statement-breakpoint
CREATE TABLE `documents` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`scope` text NOT NULL,
	`category` text NOT NULL,
	`title` text NOT NULL,
	`file_id` text NOT NULL,
	`target_type` text,
	`target_ids` text,
	`unit_id` text,
	`tenancy_id` text,
	`created_by` text NOT NULL,
	`deleted_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenancy_id`) REFERENCES `tenancies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `documents_customer_idx` ON `documents` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `documents_tenancy_idx` ON `documents` (`tenancy_id`);--> statement-breakpoint
CREATE INDEX `documents_unit_idx` ON `documents` (`unit_id`);--> statement-breakpoint
CREATE TABLE `files` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`subject_id` text,
	`uploaded_by` text,
	`provider_id` text,
	`owner_type` text,
	`owner_id` text,
	`message_id` text,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`name` text NOT NULL,
	`object_key` text NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `files_owner_idx` ON `files` (`owner_type`,`owner_id`);--> statement-breakpoint
CREATE INDEX `files_subject_idx` ON `files` (`subject_id`);--> statement-breakpoint
CREATE INDEX `files_state_idx` ON `files` (`state`,`created_at`);--> statement-breakpoint
CREATE TABLE `service_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`trade` text,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `service_providers_customer_idx` ON `service_providers` (`customer_id`);--> statement-breakpoint
CREATE TABLE `ticket_categories` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`name` text NOT NULL,
	`deadline_hours` integer NOT NULL,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_categories_name_uq` ON `ticket_categories` (`customer_id`,`name`);--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`actor_id` text,
	`provider_id` text,
	`kind` text NOT NULL,
	`from_value` text,
	`to_value` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_events_ticket_idx` ON `ticket_events` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `ticket_events_actor_idx` ON `ticket_events` (`actor_id`);--> statement-breakpoint
CREATE TABLE `ticket_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`author_id` text,
	`provider_id` text,
	`visibility` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`provider_id`) REFERENCES `service_providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_messages_ticket_idx` ON `ticket_messages` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `ticket_messages_author_idx` ON `ticket_messages` (`author_id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`building_id` text NOT NULL,
	`unit_id` text,
	`reporter_id` text NOT NULL,
	`category_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`status` text NOT NULL,
	`assignee_id` text,
	`provider_id` text,
	`waiting_since` integer,
	`feedback_rating` integer,
	`feedback_comment` text,
	`feedback_at` integer,
	`closed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`building_id`) REFERENCES `buildings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reporter_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`category_id`) REFERENCES `ticket_categories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assignee_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`provider_id`) REFERENCES `service_providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `tickets_queue_idx` ON `tickets` (`customer_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_queue_status_idx` ON `tickets` (`customer_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_building_idx` ON `tickets` (`building_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_reporter_idx` ON `tickets` (`reporter_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `work_order_links` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`share_contact` integer NOT NULL,
	`created_by` text NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`provider_id`) REFERENCES `service_providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `work_order_links_token_uq` ON `work_order_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `work_order_links_ticket_idx` ON `work_order_links` (`ticket_id`);