CREATE TABLE `erasure_steps` (
	`request_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`store` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`rows_deleted` integer NOT NULL,
	`rows_anonymised` integer NOT NULL,
	`done_at` integer,
	PRIMARY KEY(`request_id`, `store`),
	FOREIGN KEY (`request_id`) REFERENCES `privacy_requests`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `erasure_steps_due_idx` ON `erasure_steps` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `legal_holds` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`user_id` text NOT NULL,
	`store` text,
	`reason` text NOT NULL,
	`reference` text,
	`ends_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`released_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `legal_holds_user_idx` ON `legal_holds` (`user_id`);--> statement-breakpoint
CREATE INDEX `legal_holds_ends_idx` ON `legal_holds` (`ends_at`);--> statement-breakpoint
CREATE TABLE `privacy_request_events` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`request_id` text NOT NULL,
	`at` integer NOT NULL,
	`action` text NOT NULL,
	`store` text,
	`actor_id` text,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`request_id`) REFERENCES `privacy_requests`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `privacy_request_events_request_idx` ON `privacy_request_events` (`request_id`,`at`);--> statement-breakpoint
CREATE TABLE `privacy_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`origin` text NOT NULL,
	`state` text NOT NULL,
	`needs_person` integer NOT NULL,
	`received_at` integer NOT NULL,
	`verified_at` integer,
	`due_at` integer NOT NULL,
	`done_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `privacy_requests_user_idx` ON `privacy_requests` (`user_id`);--> statement-breakpoint
CREATE INDEX `privacy_requests_customer_state_idx` ON `privacy_requests` (`customer_id`,`state`,`due_at`);--> statement-breakpoint
CREATE TABLE `processing_restrictions` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` integer NOT NULL,
	`lifted_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `processing_restrictions_user_idx` ON `processing_restrictions` (`user_id`,`kind`);