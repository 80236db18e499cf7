CREATE TABLE `staff_invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`locale` text NOT NULL,
	`role` text NOT NULL,
	`scope_type` text NOT NULL,
	`scope_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`invited_by` text,
	`expires_at` integer NOT NULL,
	`sent_at` integer NOT NULL,
	`send_count` integer NOT NULL,
	`revoked_at` integer,
	`accepted_at` integer,
	`user_id` text,
	`role_assignment_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invited_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_invitations_token_uq` ON `staff_invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `staff_invitations_customer_idx` ON `staff_invitations` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `staff_invitations_email_idx` ON `staff_invitations` (`customer_id`,`email`);--> statement-breakpoint
CREATE INDEX `staff_invitations_expires_idx` ON `staff_invitations` (`expires_at`);--> statement-breakpoint
CREATE INDEX `staff_invitations_accepted_idx` ON `staff_invitations` (`accepted_at`);--> statement-breakpoint
CREATE INDEX `staff_invitations_revoked_idx` ON `staff_invitations` (`revoked_at`);