"""Notifications (thông báo): the in-app inbox, Web Push to the installed app, and the jobs that find what is due."""
