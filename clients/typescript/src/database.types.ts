export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      audit_log: {
        Row: {
          action: string
          actor_id: string | null
          actor_role: string
          chain_night: string | null
          chain_seq: number | null
          created_at: string
          detail: NonNullable<Json>
          entity: string
          entity_id: string
          id: number
          new_status: string | null
          old_status: string | null
          prev_hash: string | null
          reason: string | null
          request_id: string | null
          row_hash: string | null
          row_id: string
          venue_id: string
        }
        Insert: {
          action: string
          actor_id?: string | null
          actor_role: string
          chain_night?: string | null
          chain_seq?: number | null
          created_at?: string
          detail?: NonNullable<Json>
          entity: string
          entity_id: string
          id?: never
          new_status?: string | null
          old_status?: string | null
          prev_hash?: string | null
          reason?: string | null
          request_id?: string | null
          row_hash?: string | null
          row_id?: string
          venue_id: string
        }
        Update: {
          action?: string
          actor_id?: string | null
          actor_role?: string
          chain_night?: string | null
          chain_seq?: number | null
          created_at?: string
          detail?: NonNullable<Json>
          entity?: string
          entity_id?: string
          id?: never
          new_status?: string | null
          old_status?: string | null
          prev_hash?: string | null
          reason?: string | null
          request_id?: string | null
          row_hash?: string | null
          row_id?: string
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "audit_log_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      availability_events: {
        Row: {
          booking_date: string
          channel: string
          created_at: string
          id: number
          payload: NonNullable<Json>
          slot_id: string
          staff_payload: NonNullable<Json>
          table_id: string
          venue_id: string
          version: number
        }
        Insert: {
          booking_date: string
          channel: string
          created_at?: string
          id?: never
          payload: NonNullable<Json>
          slot_id: string
          staff_payload: NonNullable<Json>
          table_id: string
          venue_id: string
          version: number
        }
        Update: {
          booking_date?: string
          channel?: string
          created_at?: string
          id?: never
          payload?: NonNullable<Json>
          slot_id?: string
          staff_payload?: NonNullable<Json>
          table_id?: string
          venue_id?: string
          version?: number
        }
        Relationships: [
          {
            foreignKeyName: "availability_events_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      booking_tables: {
        Row: {
          block_id: string | null
          booking_date: string
          booking_id: string | null
          claimed_at: string
          expires_at: string | null
          id: number
          is_active: boolean
          is_exclusive: boolean
          party_size: number
          period: unknown
          released_at: string | null
          table_id: string
          venue_id: string
        }
        Insert: {
          block_id?: string | null
          booking_date: string
          booking_id?: string | null
          claimed_at?: string
          expires_at?: string | null
          id?: never
          is_active?: boolean
          is_exclusive?: boolean
          party_size?: number
          period: unknown
          released_at?: string | null
          table_id: string
          venue_id: string
        }
        Update: {
          block_id?: string | null
          booking_date?: string
          booking_id?: string | null
          claimed_at?: string
          expires_at?: string | null
          id?: never
          is_active?: boolean
          is_exclusive?: boolean
          party_size?: number
          period?: unknown
          released_at?: string | null
          table_id?: string
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "booking_tables_block_id_fkey"
            columns: ["block_id"]
            referencedRelation: "table_blocks"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "booking_tables_booking_id_fkey"
            columns: ["booking_id"]
            referencedRelation: "bookings"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "booking_tables_venue_id_table_id_fkey"
            columns: ["venue_id", "table_id"]
            referencedRelation: "venue_tables"
            referencedColumns: ["venue_id", "id"]
          },
        ]
      }
      bookings: {
        Row: {
          approval_expires_at: string | null
          arrived_count: number | null
          booking_date: string
          created_at: string
          created_by: string | null
          customer_id: string
          deposit_balance: number
          deposit_paid_at: string | null
          deposit_total: number
          hold_expires_at: string | null
          id: string
          idempotency_key: string | null
          minimum_spend_total: number
          occasion: string | null
          party_size: number
          payment_intent_id: string | null
          payment_method: string | null
          payment_reference: string | null
          period: unknown
          promoter_code: string | null
          reconciled_from: string | null
          reconciliation: Json | null
          reference: string
          refund_status: string | null
          special_requests: string | null
          status: Database["public"]["Enums"]["booking_status"]
          status_changed_at: string
          status_changed_by: string | null
          status_note: string | null
          status_reason: string | null
          updated_at: string
          updated_by: string | null
          venue_id: string
        }
        Insert: {
          approval_expires_at?: string | null
          arrived_count?: number | null
          booking_date: string
          created_at?: string
          created_by?: string | null
          customer_id: string
          deposit_balance?: number
          deposit_paid_at?: string | null
          deposit_total?: number
          hold_expires_at?: string | null
          id?: string
          idempotency_key?: string | null
          minimum_spend_total?: number
          occasion?: string | null
          party_size: number
          payment_intent_id?: string | null
          payment_method?: string | null
          payment_reference?: string | null
          period: unknown
          promoter_code?: string | null
          reconciled_from?: string | null
          reconciliation?: Json | null
          reference: string
          refund_status?: string | null
          special_requests?: string | null
          status?: Database["public"]["Enums"]["booking_status"]
          status_changed_at?: string
          status_changed_by?: string | null
          status_note?: string | null
          status_reason?: string | null
          updated_at?: string
          updated_by?: string | null
          venue_id: string
        }
        Update: {
          approval_expires_at?: string | null
          arrived_count?: number | null
          booking_date?: string
          created_at?: string
          created_by?: string | null
          customer_id?: string
          deposit_balance?: number
          deposit_paid_at?: string | null
          deposit_total?: number
          hold_expires_at?: string | null
          id?: string
          idempotency_key?: string | null
          minimum_spend_total?: number
          occasion?: string | null
          party_size?: number
          payment_intent_id?: string | null
          payment_method?: string | null
          payment_reference?: string | null
          period?: unknown
          promoter_code?: string | null
          reconciled_from?: string | null
          reconciliation?: Json | null
          reference?: string
          refund_status?: string | null
          special_requests?: string | null
          status?: Database["public"]["Enums"]["booking_status"]
          status_changed_at?: string
          status_changed_by?: string | null
          status_note?: string | null
          status_reason?: string | null
          updated_at?: string
          updated_by?: string | null
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "bookings_customer_id_fkey"
            columns: ["customer_id"]
            referencedRelation: "customers"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "bookings_reconciled_from_fkey"
            columns: ["reconciled_from"]
            referencedRelation: "bookings"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "bookings_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      clubs: {
        Row: {
          created_at: string
          id: string
          name: string
          slug: string
        }
        Insert: {
          created_at?: string
          id?: string
          name: string
          slug: string
        }
        Update: {
          created_at?: string
          id?: string
          name?: string
          slug?: string
        }
        Relationships: []
      }
      customers: {
        Row: {
          club_id: string | null
          created_at: string
          date_of_birth: string | null
          email: string | null
          forgotten_at: string | null
          full_name: string | null
          id: string
          phone: string | null
          user_id: string | null
        }
        Insert: {
          club_id?: string | null
          created_at?: string
          date_of_birth?: string | null
          email?: string | null
          forgotten_at?: string | null
          full_name?: string | null
          id?: string
          phone?: string | null
          user_id?: string | null
        }
        Update: {
          club_id?: string | null
          created_at?: string
          date_of_birth?: string | null
          email?: string | null
          forgotten_at?: string | null
          full_name?: string | null
          id?: string
          phone?: string | null
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "customers_club_id_fkey"
            columns: ["club_id"]
            referencedRelation: "clubs"
            referencedColumns: ["id"]
          },
        ]
      }
      floors: {
        Row: {
          id: string
          level: number
          name: string
          venue_id: string
        }
        Insert: {
          id?: string
          level?: number
          name: string
          venue_id: string
        }
        Update: {
          id?: string
          level?: number
          name?: string
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "floors_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      notifications: {
        Row: {
          created_at: string
          customer_id: string | null
          id: number
          kind: string
          payload: NonNullable<Json>
          read_at: string | null
          venue_id: string
        }
        Insert: {
          created_at?: string
          customer_id?: string | null
          id?: never
          kind: string
          payload?: NonNullable<Json>
          read_at?: string | null
          venue_id: string
        }
        Update: {
          created_at?: string
          customer_id?: string | null
          id?: never
          kind?: string
          payload?: NonNullable<Json>
          read_at?: string | null
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "notifications_customer_id_fkey"
            columns: ["customer_id"]
            referencedRelation: "customers"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "notifications_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      promoters: {
        Row: {
          code: string
          created_at: string
          id: string
          name: string
          user_id: string
          venue_id: string
        }
        Insert: {
          code: string
          created_at?: string
          id?: string
          name: string
          user_id: string
          venue_id: string
        }
        Update: {
          code?: string
          created_at?: string
          id?: string
          name?: string
          user_id?: string
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "promoters_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      staff_invitations: {
        Row: {
          accepted_at: string | null
          accepted_user_id: string | null
          created_at: string
          email: string
          expires_at: string
          id: string
          invited_by: string | null
          revoked_at: string | null
          revoked_by: string | null
          role: string
          token_hash: string | null
          venue_id: string
        }
        Insert: {
          accepted_at?: string | null
          accepted_user_id?: string | null
          created_at?: string
          email: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          revoked_at?: string | null
          revoked_by?: string | null
          role: string
          token_hash?: string | null
          venue_id: string
        }
        Update: {
          accepted_at?: string | null
          accepted_user_id?: string | null
          created_at?: string
          email?: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          revoked_at?: string | null
          revoked_by?: string | null
          role?: string
          token_hash?: string | null
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "staff_invitations_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      staff_members: {
        Row: {
          created_at: string
          id: string
          role: Database["public"]["Enums"]["staff_role"]
          user_id: string
          venue_id: string
        }
        Insert: {
          created_at?: string
          id?: string
          role: Database["public"]["Enums"]["staff_role"]
          user_id: string
          venue_id: string
        }
        Update: {
          created_at?: string
          id?: string
          role?: Database["public"]["Enums"]["staff_role"]
          user_id?: string
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "staff_members_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      table_blocks: {
        Row: {
          booking_date: string
          created_at: string
          created_by: string | null
          id: string
          is_active: boolean
          kind: Database["public"]["Enums"]["block_kind"]
          period: unknown
          reason: string | null
          release_at: string | null
          released_at: string | null
          table_id: string
          venue_id: string
        }
        Insert: {
          booking_date: string
          created_at?: string
          created_by?: string | null
          id?: string
          is_active?: boolean
          kind?: Database["public"]["Enums"]["block_kind"]
          period: unknown
          reason?: string | null
          release_at?: string | null
          released_at?: string | null
          table_id: string
          venue_id: string
        }
        Update: {
          booking_date?: string
          created_at?: string
          created_by?: string | null
          id?: string
          is_active?: boolean
          kind?: Database["public"]["Enums"]["block_kind"]
          period?: unknown
          reason?: string | null
          release_at?: string | null
          released_at?: string | null
          table_id?: string
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "table_blocks_table_id_fkey"
            columns: ["table_id"]
            referencedRelation: "venue_tables"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "table_blocks_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      table_combinations: {
        Row: {
          capacity_max: number
          capacity_min: number
          id: string
          name: string
          table_ids: string[]
          venue_id: string
        }
        Insert: {
          capacity_max: number
          capacity_min: number
          id?: string
          name: string
          table_ids: string[]
          venue_id: string
        }
        Update: {
          capacity_max?: number
          capacity_min?: number
          id?: string
          name?: string
          table_ids?: string[]
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "table_combinations_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      venue_slots: {
        Row: {
          duration: string
          id: string
          label: string
          slot_id: string
          starts_at: string
          venue_id: string
        }
        Insert: {
          duration: string
          id?: string
          label: string
          slot_id: string
          starts_at: string
          venue_id: string
        }
        Update: {
          duration?: string
          id?: string
          label?: string
          slot_id?: string
          starts_at?: string
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "venue_slots_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      venue_tables: {
        Row: {
          adjacent_numbers: number[]
          capacity_max: number
          capacity_min: number
          deposit: number
          floor_id: string
          id: string
          is_active: boolean
          is_shared: boolean
          is_vip: boolean
          minimum_spend: number
          name: string
          table_number: number
          venue_id: string
        }
        Insert: {
          adjacent_numbers?: number[]
          capacity_max: number
          capacity_min: number
          deposit?: number
          floor_id: string
          id?: string
          is_active?: boolean
          is_shared?: boolean
          is_vip?: boolean
          minimum_spend?: number
          name: string
          table_number: number
          venue_id: string
        }
        Update: {
          adjacent_numbers?: number[]
          capacity_max?: number
          capacity_min?: number
          deposit?: number
          floor_id?: string
          id?: string
          is_active?: boolean
          is_shared?: boolean
          is_vip?: boolean
          minimum_spend?: number
          name?: string
          table_number?: number
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "venue_tables_floor_id_fkey"
            columns: ["floor_id"]
            referencedRelation: "floors"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "venue_tables_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
      venues: {
        Row: {
          approval_ttl: string
          audit_retention: string
          booking_horizon: string
          cancellation_window: string
          claims_retention: string
          closes_at: string
          club_id: string
          created_at: string
          currency: string
          hold_ttl: string
          id: string
          max_held_tables_per_customer: number
          max_open_waitlist_entries: number
          max_tables_per_customer_night: number
          max_waitlist_entries_per_night: number
          min_age: number
          modify_cutoff: string
          name: string
          open_days: number[]
          opens_at: string
          requires_approval: boolean
          timezone: string
          undo_window: string
          waitlist_offer_ttl: string
        }
        Insert: {
          approval_ttl?: string
          audit_retention?: string
          booking_horizon?: string
          cancellation_window?: string
          claims_retention?: string
          closes_at?: string
          club_id: string
          created_at?: string
          currency?: string
          hold_ttl?: string
          id?: string
          max_held_tables_per_customer?: number
          max_open_waitlist_entries?: number
          max_tables_per_customer_night?: number
          max_waitlist_entries_per_night?: number
          min_age?: number
          modify_cutoff?: string
          name: string
          open_days?: number[]
          opens_at?: string
          requires_approval?: boolean
          timezone?: string
          undo_window?: string
          waitlist_offer_ttl?: string
        }
        Update: {
          approval_ttl?: string
          audit_retention?: string
          booking_horizon?: string
          cancellation_window?: string
          claims_retention?: string
          closes_at?: string
          club_id?: string
          created_at?: string
          currency?: string
          hold_ttl?: string
          id?: string
          max_held_tables_per_customer?: number
          max_open_waitlist_entries?: number
          max_tables_per_customer_night?: number
          max_waitlist_entries_per_night?: number
          min_age?: number
          modify_cutoff?: string
          name?: string
          open_days?: number[]
          opens_at?: string
          requires_approval?: boolean
          timezone?: string
          undo_window?: string
          waitlist_offer_ttl?: string
        }
        Relationships: [
          {
            foreignKeyName: "venues_club_id_fkey"
            columns: ["club_id"]
            referencedRelation: "clubs"
            referencedColumns: ["id"]
          },
        ]
      }
      waitlist_entries: {
        Row: {
          booking_date: string
          created_at: string
          customer_id: string
          id: string
          occasion: string | null
          offer_expires_at: string | null
          offered_booking_id: string | null
          party_size: number
          priority_score: number
          slot_id: string
          status: Database["public"]["Enums"]["waitlist_status"]
          venue_id: string
        }
        Insert: {
          booking_date: string
          created_at?: string
          customer_id: string
          id?: string
          occasion?: string | null
          offer_expires_at?: string | null
          offered_booking_id?: string | null
          party_size: number
          priority_score?: number
          slot_id: string
          status?: Database["public"]["Enums"]["waitlist_status"]
          venue_id: string
        }
        Update: {
          booking_date?: string
          created_at?: string
          customer_id?: string
          id?: string
          occasion?: string | null
          offer_expires_at?: string | null
          offered_booking_id?: string | null
          party_size?: number
          priority_score?: number
          slot_id?: string
          status?: Database["public"]["Enums"]["waitlist_status"]
          venue_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "waitlist_entries_customer_id_fkey"
            columns: ["customer_id"]
            referencedRelation: "customers"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "waitlist_entries_offered_booking_id_fkey"
            columns: ["offered_booking_id"]
            referencedRelation: "bookings"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "waitlist_entries_venue_id_fkey"
            columns: ["venue_id"]
            referencedRelation: "venues"
            referencedColumns: ["id"]
          },
        ]
      }
    }
    Views: {
      [_ in never]: never
    }
    Functions: {
      accept_invitation: { Args: { p_token: string }; Returns: Json }
      acquire_booking_lock: {
        Args: { booking_date: string; start_time: string; table_id: string }
        Returns: boolean
      }
      acquire_table_lock: {
        Args: { p_duration_ms?: number; p_table_id: string; p_user_id: string }
        Returns: {
          acquired: boolean
          existing_lock: Json
          lock_id: string
          version: number
        }[]
      }
      anchor_audit_chains: { Args: Record<PropertyKey, never>; Returns: number }
      approve_booking: {
        Args: { p_booking_id: string; p_reason?: string }
        Returns: Json
      }
      approve_booking_over_capacity: {
        Args: { p_booking_id: string; p_party_size: number; p_reason: string }
        Returns: Json
      }
      block_tables: {
        Args: {
          p_date: string
          p_force?: boolean
          p_kind?: string
          p_reason?: string
          p_release_at?: string
          p_slot_id?: string
          p_table_ids: string[]
          p_venue_id: string
        }
        Returns: Json
      }
      booking_system_health: { Args: Record<PropertyKey, never>; Returns: Json }
      cancel_booking: {
        Args: { p_booking_id?: string; p_reason?: string; p_reference?: string }
        Returns: Json
      }
      check_in_booking: {
        Args: {
          p_arrived_count?: number
          p_booking_id?: string
          p_reference?: string
        }
        Returns: Json
      }
      check_table_availability: {
        Args: {
          booking_date: string
          end_time: string
          exclude_booking_id?: string
          start_time: string
          table_id: string
        }
        Returns: boolean
      }
      claim_booking: { Args: { p_reference: string }; Returns: Json }
      cleanup_expired_locks: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      create_booking_atomic: {
        Args: {
          booking_date: string
          customer_email: string
          customer_id?: string
          customer_name: string
          customer_phone: string
          end_time: string
          occasion?: string
          party_size: number
          special_requests?: string
          start_time: string
          stripe_payment_intent_id?: string
          table_ids: string[]
          venue_id: string
        }
        Returns: {
          booking_id: string
          booking_reference: string
          error_message: string
          success: boolean
          total_deposit: number
        }[]
      }
      create_guest: {
        Args: {
          p_email?: string
          p_full_name: string
          p_phone?: string
          p_venue_id: string
        }
        Returns: string
      }
      expire_holds: { Args: Record<PropertyKey, never>; Returns: number }
      export_customer_data: { Args: { p_customer_id?: string }; Returns: Json }
      find_bookings: {
        Args: { p_query: string; p_venue_id: string }
        Returns: Json
      }
      forget_customer: { Args: { p_customer_id: string }; Returns: Json }
      get_audit_anchors: {
        Args: { p_since?: string; p_venue_id: string }
        Returns: Json
      }
      get_availability: {
        Args: { p_date: string; p_slot_id: string; p_venue_id: string }
        Returns: Json
      }
      get_availability_at: {
        Args: {
          p_at: string
          p_date: string
          p_slot_id: string
          p_venue_id: string
        }
        Returns: Json
      }
      get_availability_events: {
        Args: { p_after_version?: number; p_channel: string }
        Returns: {
          payload: Json
          version: number
        }[]
      }
      get_catalogue: { Args: { p_venue_id?: string }; Returns: Json }
      get_night_bookings: {
        Args: { p_date: string; p_statuses?: string[]; p_venue_id: string }
        Returns: Json
      }
      get_optimal_table_combinations: {
        Args: {
          booking_date: string
          end_time: string
          party_size: number
          start_time: string
          venue_id: string
        }
        Returns: {
          combination_id: number
          combination_type: string
          is_optimal: boolean
          table_ids: string[]
          table_names: string[]
          total_capacity: number
          total_deposit: number
          total_min_spend: number
        }[]
      }
      get_promoter_bookings: {
        Args: { p_from?: string; p_to?: string; p_venue_id: string }
        Returns: Json
      }
      get_user_role: {
        Args: { user_id?: string; venue_id?: string }
        Returns: string
      }
      get_venue_metrics: {
        Args: { p_from: string; p_to: string; p_venue_id: string }
        Returns: Json
      }
      hold_tables: {
        Args: {
          p_alternatives?: boolean
          p_customer_id?: string
          p_date: string
          p_idempotency_key?: string
          p_occasion?: string
          p_party_size: number
          p_promoter_code?: string
          p_slot_id: string
          p_special_requests?: string
          p_table_ids: string[]
          p_venue_id: string
        }
        Returns: Json
      }
      invite_staff: {
        Args: { p_email: string; p_role: string; p_venue_id: string }
        Returns: Json
      }
      join_waitlist: {
        Args: {
          p_date: string
          p_occasion?: string
          p_party_size: number
          p_slot_id: string
          p_venue_id: string
        }
        Returns: Json
      }
      list_invitations: { Args: { p_venue_id: string }; Returns: Json }
      list_staff: { Args: { p_venue_id: string }; Returns: Json }
      mark_no_show: {
        Args: { p_booking_id?: string; p_reference?: string }
        Returns: Json
      }
      modify_booking: {
        Args: {
          p_booking_id?: string
          p_party_size?: number
          p_reason?: string
          p_reference?: string
          p_slot_id?: string
          p_table_ids?: string[]
        }
        Returns: Json
      }
      record_payment: {
        Args: { p_booking_id: string; p_method: string; p_reason: string }
        Returns: Json
      }
      refund_deposit: {
        Args: { p_booking_id: string; p_reason: string }
        Returns: Json
      }
      reject_booking: {
        Args: { p_booking_id: string; p_reason?: string }
        Returns: Json
      }
      release_booking_lock: {
        Args: { booking_date: string; start_time: string; table_id: string }
        Returns: boolean
      }
      remove_staff: {
        Args: { p_user_id: string; p_venue_id: string }
        Returns: Json
      }
      report_client_metrics: {
        Args: {
          p_client: Database["public"]["Enums"]["client_kind"]
          p_date: string
          p_latencies_ms: number[]
          p_mismatched_resyncs: number
          p_resyncs: number
          p_stale_hold_refusals: number
          p_venue_id: string
        }
        Returns: Json
      }
      revoke_invitation: { Args: { p_invitation_id: string }; Returns: Json }
      seat_walk_in: {
        Args: {
          p_date: string
          p_full_name: string
          p_party_size: number
          p_payment_method?: string
          p_phone?: string
          p_reason?: string
          p_slot_id: string
          p_table_ids: string[]
          p_venue_id: string
        }
        Returns: Json
      }
      set_staff_role: {
        Args: { p_role: string; p_user_id: string; p_venue_id: string }
        Returns: Json
      }
      setup_venue: { Args: { p_spec: Json; p_venue_id: string }; Returns: Json }
      submit_booking: {
        Args: { p_booking_id: string; p_payment_reference?: string }
        Returns: Json
      }
      unblock_tables: {
        Args: { p_block_ids: string[]; p_reason?: string }
        Returns: Json
      }
      undo_check_in: {
        Args: { p_booking_id?: string; p_reason?: string; p_reference?: string }
        Returns: Json
      }
      undo_no_show: {
        Args: { p_booking_id?: string; p_reason?: string; p_reference?: string }
        Returns: Json
      }
      update_venue_settings: {
        Args: { p_settings: Json; p_venue_id: string }
        Returns: Json
      }
      verify_audit_chain: {
        Args: { p_from?: string; p_to?: string; p_venue_id: string }
        Returns: Json
      }
    }
    Enums: {
      block_kind: "maintenance" | "vip_override" | "private_event" | "other"
      booking_status:
        | "held"
        | "pending_approval"
        | "confirmed"
        | "checked_in"
        | "no_show"
        | "expired"
        | "cancelled"
        | "rejected"
      client_kind: "typescript" | "python"
      staff_role: "door" | "host" | "manager" | "admin"
      waitlist_status:
        | "waiting"
        | "offered"
        | "accepted"
        | "expired"
        | "cancelled"
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {
      block_kind: ["maintenance", "vip_override", "private_event", "other"],
      booking_status: [
        "held",
        "pending_approval",
        "confirmed",
        "checked_in",
        "no_show",
        "expired",
        "cancelled",
        "rejected",
      ],
      client_kind: ["typescript", "python"],
      staff_role: ["door", "host", "manager", "admin"],
      waitlist_status: [
        "waiting",
        "offered",
        "accepted",
        "expired",
        "cancelled",
      ],
    },
  },
} as const

