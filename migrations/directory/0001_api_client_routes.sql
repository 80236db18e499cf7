CREATE TABLE `api_client_routes` (
	`client_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`jurisdiction` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `api_client_routes_customer_idx` ON `api_client_routes` (`customer_id`);