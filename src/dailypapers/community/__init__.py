"""What people do on the site: upvotes, comments, submissions, moderation."""
