CREATE TABLE `api_clients` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`name` text NOT NULL,
	`scopes` text NOT NULL,
	`secret_hash` text NOT NULL,
	`first_party` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `api_clients_customer_idx` ON `api_clients` (`customer_id`);--> statement-breakpoint
CREATE TABLE `oauth_refresh_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`client_id` text NOT NULL,
	`user_id` text NOT NULL,
	`family_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`revoked_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_refresh_tokens_token_hash_unique` ON `oauth_refresh_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `oauth_refresh_family_idx` ON `oauth_refresh_tokens` (`family_id`);--> statement-breakpoint
CREATE INDEX `oauth_refresh_user_idx` ON `oauth_refresh_tokens` (`user_id`);--> statement-breakpoint
CREATE INDEX `oauth_refresh_client_idx` ON `oauth_refresh_tokens` (`client_id`);--> statement-breakpoint
CREATE INDEX `oauth_refresh_expires_idx` ON `oauth_refresh_tokens` (`expires_at`);--> statement-breakpoint
ALTER TABLE `buildings` ADD `property_manager_id` text;--> statement-breakpoint
ALTER TABLE `buildings` ADD `description` text;--> statement-breakpoint
ALTER TABLE `properties` ADD `timezone` text DEFAULT 'Europe/Zurich' NOT NULL;--> statement-breakpoint
ALTER TABLE `properties` ADD `label` text;--> statement-breakpoint
ALTER TABLE `units` ADD `object_type` text;--> statement-breakpoint
ALTER TABLE `units` ADD `size` real;--> statement-breakpoint
ALTER TABLE `units` ADD `tenure` text DEFAULT 'rented' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenancies` ADD `name` text;--> statement-breakpoint
ALTER TABLE `users` ADD `external_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_external_uq` ON `users` (`customer_id`,`external_id`);